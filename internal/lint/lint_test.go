package lint_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/shio-rt/shio"

// levels gives the layer of every public package (DESIGN.md, "Layers").
// Internal packages (internal/... at the root, or x/internal/... under the
// one package that uses them) are L0; cmd/... and examples/... are L5. A new
// public package must be added here, which is the point: its layer is a
// decision. Levels are in tenths of a layer, so that a layer between two
// others (L3½, the TLS layer) has a number: L3 is 30, L3½ is 35.
var levels = map[string]int{
	"":          50, // package shio: doc only
	"task":      10,
	"oneshot":   10,
	"mpsc":      10,
	"broadcast": 10,
	"watch":     10,
	"ctxsync":   10,
	"timer":     10,
	"stream":    20,
	"reactor":   30,
	"tlslayer":  35,
	"tcp":       40,
	"http1":     40,
	"console":   40,
	"ws":        40,
}

// layerName spells a level as the docs do: 30 is "3", 35 is "3½".
func layerName(l int) string {
	if l%10 == 5 {
		return strconv.Itoa(l/10) + "½"
	}
	return strconv.Itoa(l / 10)
}

func levelOf(rel string) (int, bool) {
	switch {
	case strings.HasPrefix(rel, "cmd/") || strings.HasPrefix(rel, "examples/"):
		return 50, true
	case rel == "internal" || strings.HasPrefix(rel, "internal/") || strings.Contains(rel, "/internal/"):
		return 0, true
	}
	l, ok := levels[rel]
	return l, ok
}

// pkgFile is one parsed Go file of the module.
type pkgFile struct {
	dir  string // relative to the module root, "" for the root
	path string
	test bool
	ast  *ast.File
}

func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", dir, err)
	}
	return dir
}

// files parses every Go file of the main module: not testdata, and not a
// nested module (any directory with its own go.mod, such as bench/ and
// natsbridge/), which the go command leaves out of ./... too.
func files(t *testing.T) []pkgFile {
	t.Helper()
	top := root(t)
	fset := token.NewFileSet()
	var out []pkgFile
	err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != top && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); path != top && err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(top, filepath.Dir(path))
		if rel == "." {
			rel = ""
		}
		out = append(out, pkgFile{dir: filepath.ToSlash(rel), path: path, test: strings.HasSuffix(name, "_test.go"), ast: f})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func isLibrary(dir string) bool {
	return !strings.HasPrefix(dir, "cmd/") && !strings.HasPrefix(dir, "examples/") && dir != "cmd" && dir != "examples"
}

func TestLayering(t *testing.T) {
	for _, f := range files(t) {
		if f.test {
			continue
		}
		own, ok := levelOf(f.dir)
		if !ok {
			t.Errorf("%s: package %q has no layer; add it to levels in internal/lint", f.path, f.dir)
			continue
		}
		for _, imp := range f.ast.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p != module && !strings.HasPrefix(p, module+"/") {
				continue
			}
			rel := strings.TrimPrefix(strings.TrimPrefix(p, module), "/")
			lvl, ok := levelOf(rel)
			if !ok {
				t.Errorf("%s imports %s, which has no layer", f.path, p)
				continue
			}
			if lvl > own {
				t.Errorf("%s (L%s) imports %s (L%s): a package imports only from its layer or below", f.path, layerName(own), p, layerName(lvl))
			}
			if own == 0 && lvl != 0 {
				t.Errorf("%s: internal package imports public package %s", f.path, p)
			}
		}
	}
}

// untypedAtomic reports whether name is a sync/atomic function that works on
// a plain integer or pointer rather than on a typed atomic value.
func untypedAtomic(name string) bool {
	for _, p := range []string{"Add", "Load", "Store", "Swap", "CompareAndSwap", "And", "Or"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// allowedLibraryImport reports whether library code may import p: the
// standard library, golang.org/x/sys, and shio itself. Commands and tests
// may use more (the command's machinery lives in cmd/shio/internal, which Go
// lets only the command import).
func allowedLibraryImport(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".") ||
		p == "golang.org/x/sys" || strings.HasPrefix(p, "golang.org/x/sys/") ||
		p == module || strings.HasPrefix(p, module+"/")
}

func TestLibraryHygiene(t *testing.T) {
	for _, f := range files(t) {
		if f.test || !isLibrary(f.dir) {
			continue
		}
		for _, cg := range f.ast.Comments {
			for _, c := range cg.List {
				if strings.HasPrefix(c.Text, "//go:norace") {
					t.Errorf("%s: //go:norace is not allowed", f.path)
				}
			}
		}
		names := map[string]string{} // local name -> import path
		for _, imp := range f.ast.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			local := p[strings.LastIndex(p, "/")+1:]
			if imp.Name != nil {
				local = imp.Name.Name
			}
			names[local] = p
			if !allowedLibraryImport(p) {
				t.Errorf("%s imports %s: library code uses only the standard library and golang.org/x/sys", f.path, p)
			}
			if p == "log" || p == "log/slog" {
				t.Errorf("%s: library code must not log (imports %s); return errors or call hooks", f.path, p)
			}
		}
		ast.Inspect(f.ast, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			id, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			switch names[id.Name] {
			case "sync/atomic":
				if untypedAtomic(sel.Sel.Name) {
					t.Errorf("%s: atomic.%s: use the typed atomics (atomic.Int64, atomic.Pointer, ...)", f.path, sel.Sel.Name)
				}
			case "fmt":
				if strings.HasPrefix(sel.Sel.Name, "Print") {
					t.Errorf("%s: fmt.%s in library code: library code never prints", f.path, sel.Sel.Name)
				}
			}
			return true
		})
	}
}

func TestEveryTestedPackageChecksLeaks(t *testing.T) {
	hasTests := map[string]bool{}
	checks := map[string]bool{}
	for _, f := range files(t) {
		if !f.test {
			continue
		}
		hasTests[f.dir] = true
		ast.Inspect(f.ast, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if ok && sel.Sel.Name == "VerifyTestMain" {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "goleak" {
					checks[f.dir] = true
				}
			}
			return true
		})
	}
	var missing []string
	for dir := range hasTests {
		if !checks[dir] {
			missing = append(missing, dir)
		}
	}
	sort.Strings(missing)
	for _, dir := range missing {
		t.Errorf("package %q has tests but no TestMain calling goleak.VerifyTestMain", dir)
	}
}
