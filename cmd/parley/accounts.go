package main

import (
	"slices"

	"github.com/parleyhq/parley/accounts"
	"github.com/parleyhq/parley/config"
)

// newAccounts assembles the web sign-in from the config: the extensions
// with a password_hash (operators: the "operators" group), the ldap
// section's directory when there is one, and the admins.
func newAccounts(cfg *config.Config) (*accounts.Accounts, error) {
	users := make([]accounts.LocalUser, 0, len(cfg.Extensions))
	for _, e := range cfg.Extensions {
		users = append(users, accounts.LocalUser{Login: e.Number, Name: e.Name, Email: e.Email, Extension: e.Number,
			Hash: e.PasswordHash, Operator: slices.Contains(e.Groups, "operators"), CallerID: e.CallerID})
	}
	var dir accounts.Directory
	if l := cfg.LDAP; l != nil {
		d, err := accounts.NewLDAP(accounts.LDAPOptions{URL: l.URL, StartTLS: l.StartTLS, CAFile: l.CAFile,
			BindDN: l.BindDN, BindPassword: l.BindPassword.Reveal(), BaseDN: l.BaseDN, UserFilter: l.UserFilter,
			NameAttr: l.Attributes.Name, EmailAttr: l.Attributes.Email, PhoneAttr: l.Attributes.Phone,
			ExtensionAttr: l.Attributes.Extension, CallerIDAttr: l.Attributes.CallerID, OperatorsGroup: l.OperatorsGroup, Timeout: l.Timeout})
		if err != nil {
			return nil, err
		}
		dir = d
	}
	return accounts.New(accounts.NewLocal(users), dir, cfg.Admins), nil
}
