package xtce

import "fmt"

// Placed is a parameter at its bit position from the packet's start.
type Placed struct {
	Parameter *Parameter
	Bit       int
}

// Packet is a concrete container laid out from the start of the packet:
// its bases' entries first, included containers expanded.
type Packet struct {
	Container    *Container
	Fields       []Placed
	Restrictions map[string]string // parameter name: value, from every level
	// Truncated says the layout stops early: an entry's size or place is
	// known only at run time, or not mapped (Notes says which).
	Truncated bool
	Notes     []string
}

// Packets lays out every container that is not abstract.
func (db *Database) Packets() []Packet {
	var out []Packet
	for _, name := range db.ContainerOrder {
		c := db.Containers[name]
		if c.Abstract {
			continue
		}
		out = append(out, db.layout(c))
	}
	return out
}

func (db *Database) layout(c *Container) Packet {
	p := Packet{Container: c, Restrictions: map[string]string{}}
	var chain []*Container
	seen := map[string]bool{}
	for x := c; x != nil; x = db.Containers[x.Base] {
		if seen[x.Name] || len(chain) > maxDepth {
			p.Notes = append(p.Notes, fmt.Sprintf("container %s: its bases loop", c.Name))
			break
		}
		seen[x.Name] = true
		chain = append([]*Container{x}, chain...)
		if x.Base != "" && db.Containers[x.Base] == nil {
			p.Notes = append(p.Notes, fmt.Sprintf("container %s: base %q is not defined", x.Name, x.Base))
		}
	}
	pos := 0
	l := &layout{open: map[string]bool{}}
	for _, x := range chain {
		for _, r := range x.Restrictions {
			p.Restrictions[r.Parameter] = r.Value
		}
		if !db.place(&p, x, &pos, l) {
			break
		}
	}
	return p
}

// maxFields bounds a packet's layout.
const maxFields = 1 << 16

// layout is the state of one packet's layout: the containers being
// expanded (one including itself is a loop), the entries placed.
type layout struct {
	open   map[string]bool
	placed int
}

// place lays out x's entries from *pos; false when the layout stopped.
func (db *Database) place(p *Packet, x *Container, pos *int, l *layout) bool {
	if l.open[x.Name] || len(l.open) > maxDepth {
		p.Notes = append(p.Notes, fmt.Sprintf("container %s: includes itself, or containers nest too deep", x.Name))
		p.Truncated = true
		return false
	}
	l.open[x.Name] = true
	defer delete(l.open, x.Name)
	start := *pos
	for _, e := range x.Entries {
		if e.At != nil {
			if e.FromPrevious {
				*pos += *e.At
			} else {
				*pos = start + *e.At
			}
		}
		if e.Container != "" {
			ref := db.Containers[e.Container]
			if ref == nil {
				p.Notes = append(p.Notes, fmt.Sprintf("container %s: included container %q is not defined; the layout stops there", x.Name, e.Container))
				p.Truncated = true
				return false
			}
			if !db.place(p, ref, pos, l) {
				return false
			}
			continue
		}
		if e.Parameter == nil {
			// an entry naming neither (a misspelt attribute): nothing to
			// place, and no telling how wide it was
			p.Notes = append(p.Notes, fmt.Sprintf("container %s: an entry names no parameter or container; the layout stops there", x.Name))
			p.Truncated = true
			return false
		}
		t := e.Parameter.Type
		if t.Bits == 0 {
			p.Notes = append(p.Notes, fmt.Sprintf("container %s: %s's size is known only at run time or not mapped; fields after it are left out", p.Container.Name, e.Parameter.Name))
			p.Truncated = true
			return false
		}
		if l.placed++; l.placed > maxFields {
			p.Notes = append(p.Notes, fmt.Sprintf("container %s: over %d entries", p.Container.Name, maxFields))
			p.Truncated = true
			return false
		}
		p.Fields = append(p.Fields, Placed{e.Parameter, *pos})
		*pos += t.Bits
	}
	return true
}
