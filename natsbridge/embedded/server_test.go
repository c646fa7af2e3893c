package embedded_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shio-rt/shio/natsbridge/embedded"
)

func TestRestartKeepsFileStoredMessagesAndPort(t *testing.T) {
	srv, err := embedded.Start(embedded.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	url := srv.URL()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "s.a", []byte("kept")); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if srv.URL() != url {
		t.Fatalf("URL after restart = %s, want %s", srv.URL(), url)
	}
	var msg *jetstream.RawStreamMsg
	for {
		st, err := js.Stream(ctx, "S")
		if err == nil {
			msg, err = st.GetMsg(ctx, 1)
		}
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("stream not back after restart: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // polling the reconnect, with a deadline
	}
	if string(msg.Data) != "kept" {
		t.Fatalf("message after restart = %q", msg.Data)
	}
}

func TestCloseRemovesTheDirectoryItMade(t *testing.T) {
	srv, err := embedded.Start(embedded.Config{})
	if err != nil {
		t.Fatal(err)
	}
	dir := srv.StoreDir()
	srv.Close()
	srv.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("store dir %s still there: %v", dir, err)
	}
}
