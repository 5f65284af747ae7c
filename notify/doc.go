// Package notify tells people how to join a room: the join information to
// paste into a mail or chat (JoinInfo), email invitations over SMTP with an
// iCalendar request for scheduled rooms (Mailer), and SMS invitations
// through an HTTP gateway (SMS).
//
// Every word people read comes from the message catalogue of package i18n,
// in the invitee's language. Mailer and SMS hold no connection between
// sends: each Send dials, sends and closes, so both are safe for concurrent
// use and need no Close.
package notify
