package main

import (
	"github.com/parleyhq/parley/accounts"
	"github.com/parleyhq/parley/config"
)

// newAccounts assembles the web sign-in from the config: the extensions
// with a password_hash (operators: the "operators" group), the ldap
// section's directory when there is one, and the admins.
func newAccounts(cfg *config.Config) (*accounts.Accounts, error) {
	var dir accounts.Directory
	if l := cfg.LDAP; l != nil {
		d, err := accounts.NewLDAP(ldapOptions(l))
		if err != nil {
			return nil, err
		}
		dir = d
	}
	return accounts.New(accounts.NewLocal(localUsers(cfg)), dir, cfg.Admins), nil
}
