package sip

import (
	"maps"

	"github.com/parleyhq/parley/prompts"
)

// What a config reload changes while calls go on; each method is safe for
// concurrent use with calls in progress, which keep what they took.

// SetExtensions replaces the extensions that may register, as
// Registrar.SetExtensions does; before Start there is no registrar yet
// and Options.Extensions is replaced instead.
func (s *Server) SetExtensions(exts []Extension) error {
	if s.registrar == nil {
		s.opts.Extensions = exts
		return nil
	}
	return s.registrar.SetExtensions(exts)
}

// SetTrunks replaces the trunks' credentials; the next call out through
// a trunk uses them.
func (s *Server) SetTrunks(trunks map[string]TrunkAuth) {
	m := maps.Clone(trunks)
	s.trunks.Store(&m)
}

// SetPrompts makes callers hear set from the next prompt on; nil is
// ignored.
func (s *Server) SetPrompts(set *prompts.Set) {
	if set != nil {
		s.prompts.Store(set)
	}
}

// voice returns the prompts in use now.
func (s *Server) voice() *prompts.Set { return s.prompts.Load() }
