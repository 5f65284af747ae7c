package main

import (
	"slices"

	"github.com/parleyhq/parley/accounts"
	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/config"
)

// directoryOptions sets the API's directory from the config: every
// extension as a local user and the ldap section's directory when there
// is one (searched with its answers kept briefly), and presence from the
// SIP registrar.
func directoryOptions(cfg *config.Config, registrar api.Presence, o *api.Options) error {
	var dir accounts.Searcher
	if l := cfg.LDAP; l != nil {
		d, err := accounts.NewLDAP(ldapOptions(l))
		if err != nil {
			return err
		}
		dir = d
	}
	o.Directory = accounts.NewFinder(localUsers(cfg), dir, 0, 0, nil)
	o.Presence = registrar
	return nil
}

// localUsers are the config's extensions as users (operators: the
// "operators" group); those without a password_hash cannot sign in but
// are found in the directory.
func localUsers(cfg *config.Config) []accounts.LocalUser {
	users := make([]accounts.LocalUser, 0, len(cfg.Extensions))
	for _, e := range cfg.Extensions {
		users = append(users, accounts.LocalUser{Login: e.Number, Name: e.Name, Email: e.Email, Extension: e.Number,
			Hash: e.PasswordHash, Operator: slices.Contains(e.Groups, "operators"), CallerID: e.CallerID})
	}
	return users
}

// ldapOptions are the accounts options of the config's ldap section.
func ldapOptions(l *config.LDAP) accounts.LDAPOptions {
	return accounts.LDAPOptions{URL: l.URL, StartTLS: l.StartTLS, CAFile: l.CAFile,
		BindDN: l.BindDN, BindPassword: l.BindPassword.Reveal(), BaseDN: l.BaseDN, UserFilter: l.UserFilter,
		NameAttr: l.Attributes.Name, EmailAttr: l.Attributes.Email, PhoneAttr: l.Attributes.Phone,
		ExtensionAttr: l.Attributes.Extension, CallerIDAttr: l.Attributes.CallerID, OperatorsGroup: l.OperatorsGroup, Timeout: l.Timeout}
}
