package tcp

import (
	"errors"
	"net"
	"testing"
	"time"
)

// TestIdleConnMakesNoDoneChannel: a Conn whose reader waits without a
// deadline (an idle WebSocket's, say) never makes the channel Close
// closes; a Read that waits with a deadline makes it, and Close still ends
// that Read at once.
func TestIdleConnMakesNoDoneChannel(t *testing.T) {
	ln, err := Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := nc.(*Conn)
	read := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 8)) // no deadline: waits on readable
		read <- err
	}()
	peer.Write([]byte("hi"))
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("ok"))
	c.mu.Lock()
	made := c.done != nil
	c.mu.Unlock()
	if made {
		t.Fatal("a Conn read without a deadline and written made its done channel")
	}

	c.SetReadDeadline(time.Now().Add(time.Hour))
	go func() {
		_, err := c.Read(make([]byte, 8))
		read <- err
	}()
	// Until the Read waits with its deadline (it makes the channel): a
	// bounded poll of a condition, not a sleep that stands for one.
	for give := time.Now().Add(20 * time.Second); ; {
		c.mu.Lock()
		made := c.done != nil
		c.mu.Unlock()
		if made {
			break
		}
		if time.Now().After(give) {
			t.Fatal("a Read waiting with a deadline made no done channel")
		}
		time.Sleep(time.Millisecond)
	}
	c.Close()
	select {
	case err := <-read:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Read ended by Close: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not end a Read waiting with a deadline")
	}
	c.mu.Lock()
	done := c.done
	c.mu.Unlock()
	select {
	case <-done:
	default:
		t.Fatal("Close left the done channel open")
	}
	if !isClosed(c.doneChan()) {
		t.Fatal("doneChan after Close is not closed")
	}
}
