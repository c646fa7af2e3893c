package http1

import (
	"net/http"
	"reflect"
	"testing"
	"unsafe"
)

// response.reset assigns field by field (the buffers keep their arrays), so
// a field added to response and forgotten there would carry one request's
// state into the next (it did: the server's request body, whose stale
// chunked state then refused every following request with a 400). Every
// field is dirtied here and must come out of reset as a fresh response has
// it: zero, except the connection, the request, the Content-Length (-1),
// the HEAD flag, and the reused buffers, which must be empty.
func TestResponseResetClearsEveryField(t *testing.T) {
	var w response
	v := reflect.ValueOf(&w).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
		switch f.Kind() {
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int, reflect.Int64:
			f.SetInt(7)
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 4))
		case reflect.Map:
			m := reflect.MakeMap(f.Type())
			m.SetMapIndex(reflect.ValueOf("X"), reflect.ValueOf([]string{"y"}))
			f.Set(m)
		default:
			t.Fatalf("field %s of kind %s: teach this test how to dirty it", v.Type().Field(i).Name, f.Kind())
		}
	}
	c := &conn{out: make([]byte, 3)}
	req := &http.Request{Method: "GET"}
	w.reset(c, req)
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		f := v.Field(i)
		f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
		switch name {
		case "c":
			if f.Interface() != c {
				t.Errorf("c not set")
			}
		case "req":
			if f.Interface() != req {
				t.Errorf("req not set")
			}
		case "cl":
			if f.Int() != -1 {
				t.Errorf("cl = %d, want -1", f.Int())
			}
		case "outStart":
			if f.Int() != 3 {
				t.Errorf("outStart = %d, want len(c.out)", f.Int())
			}
		default:
			switch f.Kind() {
			case reflect.Slice, reflect.Map:
				if f.Len() != 0 {
					t.Errorf("%s has %d elements after reset", name, f.Len())
				}
			default:
				if !f.IsZero() {
					t.Errorf("%s = %v after reset, want zero", name, f.Interface())
				}
			}
		}
	}
}

// TestResponseBufferMadeByFirstBodyWrite: a response gets its 4 KiB body
// buffer from the first body write, not from reset, and Hijack gives it
// back: a Handler that upgrades (no body, then Hijack) leaves no buffer
// per connection behind it for the GC (span fragmentation in idlews).
func TestResponseBufferMadeByFirstBodyWrite(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://x/", nil)
	var w response
	w.reset(&conn{}, req)
	if w.pend != nil {
		t.Fatalf("reset made a %d-byte body buffer before any body write", cap(w.pend))
	}
	w.WriteString("hi")
	if cap(w.pend) != bufferLimit || string(w.pend) != "hi" {
		t.Fatalf("after a small write: pend %q, cap %d (want cap %d)", w.pend, cap(w.pend), bufferLimit)
	}
	var v response
	v.reset(&conn{}, req)
	v.Write([]byte("hello"))
	if cap(v.pend) != bufferLimit || string(v.pend) != "hello" {
		t.Fatalf("after a small Write: pend %q, cap %d (want cap %d)", v.pend, cap(v.pend), bufferLimit)
	}
}
