package mission

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// YAMLDoc is a decoded YAML document that can name the file and line of
// any field, for validation errors.
type YAMLDoc struct{ v validator }

// DecodeYAML decodes data into out strictly (an unknown key is an error);
// every error names source, line and field. what names the document for an
// empty file ("mission file").
func DecodeYAML(data []byte, source, what string, out any) (*YAMLDoc, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, BadInput(fmt.Errorf("%s: %s", source, cleanYAMLError(err.Error())))
	}
	if root.Kind == 0 {
		return nil, BadInput(fmt.Errorf("%s: empty %s", source, what))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var msgs []string
			for _, e := range te.Errors {
				msgs = append(msgs, located(source, &root, e))
			}
			return nil, BadInput(errors.New(strings.Join(msgs, "\n")))
		}
		return nil, BadInput(fmt.Errorf("%s: %s", source, cleanYAMLError(err.Error())))
	}
	return &YAMLDoc{validator{source: source, root: &root}}, nil
}

// At records a problem with the field at path (string keys, int indices).
func (d *YAMLDoc) At(msg string, path ...any) { d.v.at(msg, path...) }

// Err returns every problem recorded, as bad input (nil: none).
func (d *YAMLDoc) Err() error {
	if len(d.v.errs) > 0 {
		return BadInput(errors.Join(d.v.errs...))
	}
	return nil
}

var lineRE = regexp.MustCompile(`^line (\d+): (.*)$`)

var typeNameRE = regexp.MustCompile(` in type [\w.]+`)

// located turns a yaml.v3 "line N: msg" into "file:N: field: msg".
func located(source string, root *yaml.Node, msg string) string {
	mm := lineRE.FindStringSubmatch(msg)
	if mm == nil {
		return source + ": " + msg
	}
	line, _ := strconv.Atoi(mm[1])
	// the value the message quotes finds its field among several on one
	// line (a flow mapping); else the first field on the line
	field := ""
	if q := quotedRE.FindStringSubmatch(mm[2]); q != nil {
		field = fieldAtLine(root, line, q[1], "")
	}
	if field == "" {
		field = fieldAtLine(root, line, "", "")
	}
	text := typeNameRE.ReplaceAllString(mm[2], "")
	if field != "" {
		return fmt.Sprintf("%s:%d: %s: %s", source, line, field, text)
	}
	return fmt.Sprintf("%s:%d: %s", source, line, text)
}

func cleanYAMLError(s string) string { return strings.TrimPrefix(s, "yaml: ") }

var quotedRE = regexp.MustCompile("`([^`]*)`")

// fieldAtLine returns the dotted path of the key or item on a line; with
// value set, of the scalar item on the line that holds it.
func fieldAtLine(n *yaml.Node, line int, value, path string) string {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if f := fieldAtLine(c, line, value, path); f != "" {
				return f
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if f := fieldAtLine(v, line, value, p); f != "" {
				return f
			}
			if k.Line == line && value == "" {
				return p
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if f := fieldAtLine(c, line, value, p); f != "" {
				return f
			}
		}
	default:
		if n.Line == line && (value == "" || n.Value == value) {
			return path
		}
	}
	return ""
}

// validator collects errors located by their field path.
type validator struct {
	source string
	root   *yaml.Node
	errs   []error
}

// at reports a problem with the field at path (e.g. "stations", 0, "lat").
func (v *validator) at(msg string, path ...any) {
	n, dotted := lookup(v.root, path)
	line := 0
	if n != nil {
		line = n.Line
	}
	if line > 0 {
		v.errs = append(v.errs, fmt.Errorf("%s:%d: %s: %s", v.source, line, dotted, msg))
	} else {
		v.errs = append(v.errs, fmt.Errorf("%s: %s: %s", v.source, dotted, msg))
	}
}

// lookup walks path (string keys, int indices) and returns the deepest
// node found and the dotted path.
func lookup(root *yaml.Node, path []any) (*yaml.Node, string) {
	n := root
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	var b strings.Builder
	found := n
	for _, p := range path {
		switch k := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(k)
			var next *yaml.Node
			if n != nil && n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next = n.Content[i+1]
						break
					}
				}
			}
			n = next
		case int:
			fmt.Fprintf(&b, "[%d]", k)
			var next *yaml.Node
			if n != nil && n.Kind == yaml.SequenceNode && k < len(n.Content) {
				next = n.Content[k]
			}
			n = next
		}
		if n != nil {
			found = n
		}
	}
	return found, b.String()
}
