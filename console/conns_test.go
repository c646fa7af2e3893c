package console_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/shio-rt/shio/console"
	"github.com/shio-rt/shio/reactor"
)

// TestConnColumnsCarryEveryField: the connections as the page fetches them
// (/conns?cols=1, columns of numbers and interned strings) decode to the
// same connections as the objects; an empty list is valid JSON too.
func TestConnColumnsCarryEveryField(t *testing.T) {
	conns := []console.Conn{
		{Server: "web", ConnInfo: reactor.ConnInfo{Loop: 1, Remote: "127.0.0.1:5000", State: "open", Age: 3 * time.Second, Idle: time.Second,
			BytesIn: 120, BytesOut: 4096, Proto: "http/1.1", Phase: "running", Requests: 7, Request: 250 * time.Millisecond, Task: 42}},
		{Server: "api \"x\" ☃", ConnInfo: reactor.ConnInfo{Loop: 0, Remote: "[::1]:80\u2028", Dialed: true, State: "lingering+closing", Age: 1, Queued: 65536}},
		{Server: "web", ConnInfo: reactor.ConnInfo{Remote: "10.0.0.1:1", State: "open", Phase: "idle", Proto: "http/1.1"}},
	}
	var got struct {
		Total int
		Error string
		Strs  []string
		Cols  [][]json.RawMessage
	}
	b := console.ConnColumns(conns, 5, "partial")
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if got.Total != 5 || got.Error != "partial" || len(got.Cols) != 15 {
		t.Fatalf("total %d, error %q, %d columns: %s", got.Total, got.Error, len(got.Cols), b)
	}
	num := func(col, i int) int64 {
		var n int64
		if err := json.Unmarshal(got.Cols[col][i], &n); err != nil {
			t.Fatalf("column %d row %d: %s: %v", col, i, got.Cols[col][i], err)
		}
		return n
	}
	str := func(col, i int) string { return got.Strs[num(col, i)] }
	for i, want := range conns {
		var remote string
		json.Unmarshal(got.Cols[2][i], &remote)
		c := console.Conn{Server: str(0, i), ConnInfo: reactor.ConnInfo{Loop: int(num(1, i)), Remote: remote, State: str(3, i), Phase: str(4, i), Proto: str(5, i),
			Request: time.Duration(num(6, i)), Task: uint64(num(7, i)), Age: time.Duration(num(8, i)), Idle: time.Duration(num(9, i)),
			BytesIn: num(10, i), BytesOut: num(11, i), Queued: int(num(12, i)), Requests: num(13, i), Dialed: num(14, i) == 1}}
		if !reflect.DeepEqual(c, want) {
			t.Errorf("row %d: got %+v, want %+v", i, c, want)
		}
	}
	if n := reflect.TypeFor[reactor.ConnInfo]().NumField(); n != 14 {
		t.Errorf("reactor.ConnInfo has %d fields, the columns carry 14 (and the server): add the new ones", n)
	}
	var empty struct {
		Total int
		Strs  []string
		Cols  [][]int
	}
	if err := json.Unmarshal(console.ConnColumns(nil, 0, ""), &empty); err != nil || empty.Strs == nil || len(empty.Cols) != 15 || len(empty.Cols[0]) != 0 {
		t.Errorf("no connections: %+v, %v", empty, err)
	}
}
