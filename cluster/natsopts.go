package cluster

import (
	"sync"

	"github.com/nats-io/nats.go"
)

// natsOptions are the options of the node's NATS connection: it retries
// for ever in the background, authenticates when Options.User is set,
// trusts Options.CAFile for tls:// servers, and logs each change of state
// and each error the server reports (an authorization violation
// included) without the credentials. A failed attempt to reconnect is
// logged when its error differs from the last one's, not every time.
func (c *Cluster) natsOptions() []nats.Option {
	var mu sync.Mutex
	last := ""
	attemptFailed := func(_ *nats.Conn, err error) {
		mu.Lock()
		defer mu.Unlock()
		if text := errText(err); text != last {
			last = text
			c.log.Warn("cluster: nats connection failed", "err", text)
		}
	}
	connected := func(what string) nats.ConnHandler {
		return func(*nats.Conn) {
			mu.Lock()
			last = ""
			mu.Unlock()
			c.log.Info("cluster: nats " + what)
		}
	}
	opts := []nats.Option{
		nats.Name("parley " + c.opts.Self.Name),
		nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(c.opts.TTL / 5),
		nats.ConnectHandler(connected("connected")),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { c.log.Warn("cluster: nats disconnected", "err", errText(err)) }),
		nats.ReconnectHandler(connected("reconnected")),
		nats.ReconnectErrHandler(attemptFailed),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { c.log.Warn("cluster: nats", "err", errText(err)) }),
	}
	if c.opts.User != "" {
		opts = append(opts, nats.UserInfo(c.opts.User, c.opts.Password))
	}
	if c.opts.CAFile != "" {
		opts = append(opts, nats.RootCAs(c.opts.CAFile))
	}
	return opts
}
