package lint_test

import (
	"go/ast"
	"strings"
	"testing"
)

// docStartsWithName reports whether doc reads as a sentence about name:
// it starts with the name, optionally after an article.
func docStartsWithName(doc *ast.CommentGroup, name string) bool {
	if doc == nil {
		return false
	}
	text := strings.TrimSpace(doc.Text())
	for _, prefix := range []string{"", "A ", "An ", "The "} {
		if rest, ok := strings.CutPrefix(text, prefix+name); ok && (rest == "" || !isIdentByte(rest[0])) {
			return true
		}
	}
	return false
}

func isIdentByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// receiverExported reports whether a method's receiver type is exported.
func receiverExported(fd *ast.FuncDecl) bool {
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.IsExported()
		default:
			return false
		}
	}
}

// TestExportedNamesHaveDocs: go doc on every exported name of the library
// reads as a sentence that starts with the name.
func TestExportedNamesHaveDocs(t *testing.T) {
	for _, f := range files(t) {
		if f.test || !isLibrary(f.dir) || f.ast.Name.Name == "main" || strings.Contains(f.dir, "internal") {
			continue
		}
		for _, decl := range f.ast.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || d.Recv != nil && !receiverExported(d) {
					continue
				}
				if !docStartsWithName(d.Doc, d.Name.Name) {
					t.Errorf("%s: %s has no doc comment starting with its name", f.path, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						doc := s.Doc
						if doc == nil && len(d.Specs) == 1 {
							doc = d.Doc
						}
						if !docStartsWithName(doc, s.Name.Name) {
							t.Errorf("%s: type %s has no doc comment starting with its name", f.path, s.Name.Name)
						}
					case *ast.ValueSpec:
						// A documented group (const ( ... )) covers its members.
						if d.Doc != nil && len(d.Specs) > 1 {
							continue
						}
						for _, n := range s.Names {
							if !n.IsExported() {
								continue
							}
							doc := s.Doc
							if doc == nil {
								doc = d.Doc
							}
							if doc == nil && s.Comment == nil {
								t.Errorf("%s: %s has no doc comment", f.path, n.Name)
							}
						}
					}
				}
			}
		}
	}
}
