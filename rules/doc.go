// Package rules holds the one copy of each rule that more than one part of
// Parley checks: what a room or extension number, a PIN, a display name and
// a caller ID may be; the bounds of a room's settings; HTTP and SIP tokens;
// whether a guest or group link admits at a given moment; and the names of
// the events a room publishes.
//
// The config loader reports a broken rule as FILE:LINE, the REST API as a
// 400 naming the field, the SIP and web edges as their own refusals; the
// rule itself lives only here, so that what the config file accepts the API
// accepts too, and the other way round.
//
// It is a leaf: it imports the standard library only, and its functions
// have no side effects.
package rules
