package store

import (
	"context"
	"fmt"
	"time"
)

// Registration is one SIP binding (RFC 3261 §10.3) as the nodes sharing
// the database see it: which node holds it, and where that node sends a
// request for the extension. The SIP registrar fills it in; the store
// does not parse it.
type Registration struct {
	// Extension is the number registered; not empty.
	Extension string
	// Node names the node whose registrar holds the binding; not empty.
	Node string
	// Key is the binding's identity (RFC 3261 §10.3 step 6), unique per
	// extension and node; not empty.
	Key string
	// Contact is the Contact URI as the phone registered it.
	Contact string
	// Destination is the host:port requests go to.
	Destination string
	// Transport is udp, tcp, tls, ws or wss.
	Transport string
	// NAT reports whether Destination is the REGISTER's source address.
	NAT bool
	// Source is the address the REGISTER came from.
	Source string
	// Instance is the +sip.instance parameter; RegID the reg-id one.
	Instance string
	RegID    int
	// UserAgent is the phone's User-Agent, for logs.
	UserAgent string
	// Expires is when the binding lapses; stored to the millisecond.
	Expires time.Time
}

// SetRegistrations replaces every registration node holds for ext with
// regs (none: removes them), in one transaction, and deletes the expired
// registrations of ext of any node, so that a node that died leaves
// nothing behind for long. It touches no other extension's rows, so that
// nodes registering different extensions never make each other's
// transactions retry. It returns ErrInvalid, changing nothing,
// if node or ext is empty or a registration is of another node or
// extension or has no key.
func (db *DB) SetRegistrations(ctx context.Context, node, ext string, regs []Registration) error {
	if node == "" || ext == "" {
		return fmt.Errorf("store: set registrations: %w: empty node or extension", ErrInvalid)
	}
	for i, r := range regs {
		if r.Node != node || r.Extension != ext || r.Key == "" {
			return fmt.Errorf("store: set registrations of %q on %q: %w: registration %d is of %q on %q, key %q",
				ext, node, ErrInvalid, i, r.Extension, r.Node, r.Key)
		}
	}
	now := db.now()
	err := db.write(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM registrations WHERE extension = ? AND (expires_at <= ? OR node = ?)`,
			ext, ms(now), node); err != nil {
			return err
		}
		for _, r := range regs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO registrations (`+registrationColumns+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				r.Extension, r.Node, r.Key, r.Contact, r.Destination, r.Transport, r.NAT, r.Source,
				r.Instance, r.RegID, r.UserAgent, ms(r.Expires)); err != nil {
				return classify(err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: set registrations of %q on %q: %w", ext, node, err)
	}
	return nil
}

// Registrations returns the registrations of ext, of every node, that
// have not expired now, ordered by node then key.
func (db *DB) Registrations(ctx context.Context, ext string) ([]Registration, error) {
	var out []Registration
	now := db.now()
	err := db.read(ctx, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+registrationColumns+` FROM registrations
			WHERE extension = ? AND expires_at > ? ORDER BY node, binding_key`, ext, ms(now))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r Registration
			var expires int64
			if err := rows.Scan(&r.Extension, &r.Node, &r.Key, &r.Contact, &r.Destination, &r.Transport, &r.NAT,
				&r.Source, &r.Instance, &r.RegID, &r.UserAgent, &expires); err != nil {
				return err
			}
			r.Expires = fromMS(expires)
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: registrations of %q: %w", ext, err)
	}
	return out, nil
}

// registrationColumns lists the registrations columns in the order
// SetRegistrations writes and Registrations reads them.
const registrationColumns = `extension, node, binding_key, contact, destination, transport, nat, source,
	instance, reg_id, user_agent, expires_at`
