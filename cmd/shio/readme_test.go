package main

import (
	"io"
	"log"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/shio-rt/shio/http1"
)

// readmeMain is the main function of the program in README.md's "Use it
// in your program": compiled here, and TestREADMEProgram checks that the
// README shows the same code with these imports.
func readmeMain() {
	// README:begin
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "Hello, World!\n")
	})
	srv := &http1.Server{Addr: "127.0.0.1:8080", Handler: mux} // was &http.Server{...}
	log.Fatal(srv.ListenAndServe())
	// README:end
}

var _ = readmeMain

func TestREADMEProgram(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Use it in your program\n")
	if !ok {
		t.Fatal(`README.md has no "## Use it in your program" section`)
	}
	_, block, ok := strings.Cut(section, "```go\n")
	block, _, ok2 := strings.Cut(block, "```\n")
	if !ok || !ok2 {
		t.Fatal("the section has no ```go block")
	}
	src, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(src), "\t// README:begin\n")
	body, _, _ = strings.Cut(body, "\t// README:end\n")
	wantMain := "func main() {\n" + body + "}\n"
	if !strings.HasSuffix(block, wantMain) {
		t.Errorf("README's program does not end with readmeMain's body:\n%s\nwant it to end with\n%s", block, wantMain)
	}
	var imports []string
	for _, line := range strings.Split(block, "\n") {
		if q := strings.TrimSpace(line); strings.HasPrefix(q, `"`) {
			imports = append(imports, strings.Trim(q, `"`))
		}
	}
	slices.Sort(imports)
	if want := []string{"github.com/shio-rt/shio/http1", "io", "log", "net/http"}; !slices.Equal(imports, want) {
		t.Errorf("README's program imports %q, want %q", imports, want)
	}
}
