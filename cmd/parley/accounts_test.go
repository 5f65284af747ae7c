package main

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/parleyhq/parley/accounts"
	"github.com/parleyhq/parley/config"
)

// TestNewAccounts: the extensions with a password_hash sign in (the
// operators group makes operators, admins admins), those without and the
// SIP password do not, and an ldap section whose CA file holds no
// certificate is refused.
func TestNewAccounts(t *testing.T) {
	h, err := bcrypt.GenerateFromPassword([]byte("web-pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Admins: []string{"2003"}, Extensions: []config.Extension{
		{Number: "2001", Password: "sip-pw", PasswordHash: string(h), Groups: []string{"operators"}},
		{Number: "2002", Password: "sip-pw", PasswordHash: string(h)},
		{Number: "2003", Password: "sip-pw", PasswordHash: string(h)},
		{Number: "2004", Password: "sip-pw"},
	}}
	a, err := newAccounts(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		login, pw string
		role      accounts.Role
	}{
		{"2001", "web-pw", accounts.RoleOperator},
		{"2002", "web-pw", accounts.RoleUser},
		{"2003", "web-pw", accounts.RoleAdmin},
		{"2002", "sip-pw", ""},
		{"2004", "sip-pw", ""},
	} {
		u, err := a.SignIn(context.Background(), tt.login, tt.pw)
		if tt.role == "" {
			if !errors.Is(err, accounts.ErrInvalid) {
				t.Errorf("%s/%s: %+v %v, want refused", tt.login, tt.pw, u, err)
			}
			continue
		}
		if err != nil || u.Role != tt.role || u.Extension != tt.login {
			t.Errorf("%s: %+v %v, want role %s", tt.login, u, err, tt.role)
		}
	}
	cfg.LDAP = &config.LDAP{URL: "ldaps://127.0.0.1", UserFilter: "(uid=%s)", CAFile: "accounts.go"}
	if _, err := newAccounts(cfg); err == nil {
		t.Error("a CA file without a certificate was accepted")
	}
}
