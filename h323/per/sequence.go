package per

import "fmt"

// sequence encodes a SEQUENCE or SET (X.691 18): the extension bit, the
// presence bitmap of the root's OPTIONAL components, the root components,
// then, if any addition is present, the additions' bitmap (a normally small
// length) and each present addition as an open type.
//
// A mandatory extension addition may be absent only when no later addition
// is present: the value is then one of an earlier version of the type.
func (w *writer) sequence(n *node, s Seq, p *path, depth int) error {
	known := 0
	for _, f := range n.fields {
		if _, ok := s[f.name]; ok {
			known++
		}
	}
	if known != len(s) {
		for k := range s {
			if n.field(k) == nil {
				return p.errorf("unknown component %q", k)
			}
		}
	}
	present := make([]bool, len(n.slots))
	anyExt, missing := false, ""
	for i, slot := range n.slots {
		mandatory := false
		for _, f := range slot {
			_, ok := s[f.name]
			present[i] = present[i] || ok
			mandatory = mandatory || !f.optional
		}
		switch {
		case present[i] && missing != "":
			return p.errorf("missing mandatory extension addition %s (a later one is present)", missing)
		case !present[i] && mandatory && missing == "":
			missing = slot[0].name
		}
		anyExt = anyExt || present[i]
	}
	if n.extensible {
		w.writeBool(anyExt)
	}
	if err := w.components(n.fields[:n.nroot], s, p, depth); err != nil {
		return err
	}
	if !anyExt {
		return nil
	}
	w.writeSmallLength(len(n.slots))
	for _, ok := range present {
		w.writeBool(ok)
	}
	for i, slot := range n.slots {
		if !present[i] {
			continue
		}
		b, err := encodeOpen(func(sub *writer) error {
			if slot[0].group == 0 {
				return sub.value(slot[0].typ, s[slot[0].name], p.field(slot[0].name), depth+1)
			}
			return sub.components(slot, s, p, depth)
		})
		if err != nil {
			return err
		}
		if err := w.writeOpen(b); err != nil {
			return err
		}
	}
	return nil
}

// components encodes the presence bitmap of the OPTIONAL ones among fields,
// then the present ones.
func (w *writer) components(fields []*field, s Seq, p *path, depth int) error {
	for _, f := range fields {
		if f.optional {
			_, ok := s[f.name]
			w.writeBool(ok)
		}
	}
	for _, f := range fields {
		v, ok := s[f.name]
		if !ok {
			if f.optional {
				continue
			}
			return p.errorf("missing mandatory component %s", f.name)
		}
		if err := w.value(f.typ, v, p.field(f.name), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// field finds a component by name.
func (n *node) field(name string) *field {
	for _, f := range n.fields {
		if f.name == name {
			return f
		}
	}
	return nil
}

// sequence decodes what writer.sequence wrote; unknown extension additions
// are skipped by their length.
func (r *reader) sequence(n *node, p *path, depth int) (Seq, error) {
	ext := false
	if n.extensible {
		var err error
		if ext, err = r.readBool(); err != nil {
			return nil, p.errorf("%w", err)
		}
	}
	s := Seq{}
	if err := r.components(n.fields[:n.nroot], s, p, depth); err != nil {
		return nil, err
	}
	if !ext {
		return s, nil
	}
	count, err := r.readSmallLength()
	if err != nil {
		return nil, p.errorf("extension bitmap: %w", err)
	}
	if count > r.remaining() {
		return nil, p.errorf("extension bitmap: %w", errTruncated)
	}
	present := make([]bool, count)
	for i := range present {
		present[i], _ = r.readBool()
	}
	for i, ok := range present {
		if !ok {
			continue
		}
		b, err := r.readOpen()
		if err != nil {
			return nil, p.errorf("extension addition %d: %w", i+1, err)
		}
		if i >= len(n.slots) {
			continue // an addition of a later version: skipped
		}
		slot := n.slots[i]
		if slot[0].group == 0 {
			v, err := openValue(b, slot[0].typ, p.field(slot[0].name), depth+1)
			if err != nil {
				return nil, err
			}
			s[slot[0].name] = v
			continue
		}
		sub := &reader{buf: b}
		if err := sub.components(slot, s, p, depth); err != nil {
			return nil, err
		}
		if sub.leftover() != 0 {
			return nil, p.errorf("%d octets left in the open type after extension addition group %d", sub.leftover(), slot[0].group)
		}
	}
	return s, nil
}

// components decodes the presence bitmap of the OPTIONAL ones among fields,
// then the present ones, into s.
func (r *reader) components(fields []*field, s Seq, p *path, depth int) error {
	var present []bool
	for _, f := range fields {
		if f.optional {
			ok, err := r.readBool()
			if err != nil {
				return p.errorf("presence bitmap: %w", err)
			}
			present = append(present, ok)
		}
	}
	for _, f := range fields {
		if f.optional {
			ok := present[0]
			present = present[1:]
			if !ok {
				continue
			}
		}
		v, err := r.value(f.typ, p.field(f.name), depth+1)
		if err != nil {
			return err
		}
		s[f.name] = v
	}
	return nil
}

// readOpen reads octets behind unconstrained lengths (see writeOpen).
func (r *reader) readOpen() ([]byte, error) {
	var out []byte
	err := r.readChunks(func(cnt int) error {
		b, err := r.readBytes(cnt, true)
		if err != nil {
			return err
		}
		if out == nil {
			out = b
		} else {
			out = append(out, b...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open type: %w", err)
	}
	return out, nil
}
