// Package e2e holds Parley's end-to-end tests: a real `parley serve` process
// driven by real third-party SIP clients (baresip, sipp) on loopback. It
// has no code outside its tests.
package e2e
