// Package dialplan parses dial targets (extensions, numbers, #sip:, sip:
// URIs, #h323:) and routes them to an extension, a trunk or a direct SIP
// destination, with the toll-fraud guard on the resolved address. It is
// pure policy: it imports neither the bridge nor any edge, so the bridge's
// dial-out, the API's route endpoint and `parley route` share it.
package dialplan
