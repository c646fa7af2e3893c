package http1_test

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/shio-rt/shio/http1"
	"pgregory.net/rapid"
)

// checkOriginForm: whenever the fast path takes a target, it must build
// exactly the URL url.ParseRequestURI builds (and ParseRequestURI must
// accept it).
func checkOriginForm(t interface{ Fatalf(string, ...any) }, target string) bool {
	got, ok := http1.ParseOriginForm(target)
	if !ok {
		return false
	}
	want, err := url.ParseRequestURI(target)
	if err != nil {
		t.Fatalf("fast path took %q, which url.ParseRequestURI refuses: %v", target, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("target %q: fast path %#v, url.ParseRequestURI %#v", target, got, want)
	}
	return true
}

func TestOriginFormMatchesURLPackage(t *testing.T) {
	taken := 0
	for _, target := range []string{
		"/", "/index.html", "/a/b/c?x=1&y=2", "/?", "/a?", "/a??", "/a?b?c", "//double", "/a:b@c",
		"/$&+,;=", "/~user/-._", "/a%20b", "/a b", "/a#frag", "/a?q#frag", "/a!b", "/a'b", "/(x)", "/*",
		"*", "http://h/p", "", "a/b", "/\x7f", "/a?\x01", "/é",
	} {
		if checkOriginForm(t, target) {
			taken++
		}
	}
	if taken < 10 {
		t.Fatalf("fast path took only %d of the plain targets", taken)
	}
	rapid.Check(t, func(t *rapid.T) {
		alphabet := []byte("/?aZ09-._~$&+,:;=@%#!'()* \x00\x7f\xc3\xa9")
		b := rapid.SliceOfN(rapid.SampledFrom(alphabet), 0, 24).Draw(t, "rest")
		checkOriginForm(t, "/"+string(b))
	})
}

func FuzzOriginForm(f *testing.F) {
	for _, s := range []string{"/", "/a?b", "/a??", "/%41", "/a b", "//x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) { checkOriginForm(t, target) })
}
