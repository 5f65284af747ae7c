package sip

import (
	"errors"
	"testing"

	"github.com/parleyhq/parley/sip/digest"
)

// TestRegistrarSetExtensions: an extension a reload adds registers at
// once, a removed one loses its bindings and can no longer register, a
// bad list changes nothing.
func TestRegistrarSetExtensions(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{})
	register := func(ext, password string, cseq uint32) int {
		t.Helper()
		auth := f.creds(t, digest.MD5, ext, password)
		return f.send(t, regReq{ext: ext, contacts: []string{"<sip:" + ext + "@192.0.2.10:5060>"}, callID: "reg-" + ext,
			cseq: cseq, auth: auth}.build(t)).StatusCode
	}
	if code := register("2001", "secret1", 2); code != 200 {
		t.Fatalf("2001 registers: %d", code)
	}
	if code := register("2005", "secret5", 2); code == 200 {
		t.Fatal("2005 registered before it existed")
	}
	if err := f.r.SetExtensions([]Extension{{Number: "2005", Name: "Eve", Password: "secret5"}, {Number: "2005", Password: "x"}}); !errors.Is(err, ErrBadRegistrarOptions) {
		t.Fatalf("duplicate list: %v, want ErrBadRegistrarOptions", err)
	}
	if f.r.Len() != 2 || len(f.r.Contacts("2001")) != 1 {
		t.Fatalf("a refused list changed the registrar: %d extensions, %v", f.r.Len(), f.r.Contacts("2001"))
	}
	if err := f.r.SetExtensions([]Extension{{Number: "2002", Password: "secret2"}, {Number: "2005", Name: "Eve", Password: "secret5"}}); err != nil {
		t.Fatal(err)
	}
	if code := register("2005", "secret5", 3); code != 200 {
		t.Errorf("2005 after the reload: %d, want 200", code)
	}
	if f.r.Name("2005") != "Eve" {
		t.Errorf("Name(2005) = %q", f.r.Name("2005"))
	}
	if got := f.r.Contacts("2001"); len(got) != 0 {
		t.Errorf("removed 2001 keeps bindings %v", got)
	}
	if code := register("2001", "secret1", 3); code == 200 {
		t.Error("removed 2001 still registers")
	}
}

// TestServerSetTrunksAndExtensions: the trunk credentials are replaced
// whole and are the caller's no more; with no extensions REGISTER is not
// in Allow.
func TestServerSetTrunksAndExtensions(t *testing.T) {
	s := &Server{}
	in := map[string]TrunkAuth{"pstn": {Username: "u", Password: "p"}}
	s.SetTrunks(in)
	in["pstn"] = TrunkAuth{}
	if got := (*s.trunks.Load())["pstn"]; got.Username != "u" {
		t.Errorf("trunk pstn = %+v after the caller changed its map", got)
	}
	s.SetTrunks(nil)
	if got := (*s.trunks.Load())["pstn"]; got.Username != "" {
		t.Errorf("trunk pstn = %+v after removal", got)
	}
	f := newRegFixture(t, RegistrarOptions{})
	s.registrar = f.r
	if got := s.allowed(); got != allowed {
		t.Errorf("Allow with extensions: %q", got)
	}
	if err := s.SetExtensions(nil); err != nil {
		t.Fatal(err)
	}
	if got := s.allowed(); got == allowed {
		t.Errorf("Allow without extensions: %q, want no REGISTER", got)
	}
}
