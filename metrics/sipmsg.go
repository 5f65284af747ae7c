package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyhq/parley/sip"
)

// sipMethods are the values of the method label: the methods Parley
// handles or sends. Any other method counts as "other", so that a peer
// cannot grow the label's values.
var sipMethods = []string{"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "UPDATE", "INFO", "REGISTER", "PRACK"}

// directions are the values of the SIP counters' direction label.
var directions = []string{"received", "sent"}

// Registration results, the values of parley_registrations_total's result
// label.
var registrationResults = []string{"success", "failure"}

// sipCounters are the SIP message counters and the REGISTER outcomes.
type sipCounters struct {
	requests      *prometheus.CounterVec // parley_sip_requests_total{direction, method}
	responses     *prometheus.CounterVec // parley_sip_responses_total{direction, method, class, code}
	registrations *prometheus.CounterVec // parley_registrations_total{result}
}

func newSIPCounters() *sipCounters {
	c := &sipCounters{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_sip_requests_total",
			Help: "SIP requests Parley received or sent (each once: retransmissions aside; among them the ACKs and CANCELs the transaction layer takes or sends, BYEs, PRACKs, session refreshes, keep-alive OPTIONS), by method (other for a method Parley does not know).",
		}, []string{"direction", "method"}),
		responses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_sip_responses_total",
			Help: "SIP responses Parley sent to the requests it received, or received to the requests it sent, by the request's method, status class (1xx..6xx) and code.",
		}, []string{"direction", "method", "class", "code"}),
		registrations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_registrations_total",
			Help: "REGISTER requests answered, by result: success (2xx) or failure (a wrong password challenged again, or any other final answer but the first digest challenge).",
		}, []string{"result"}),
	}
	for _, d := range directions { // every request series exists from the start, at 0
		for _, m := range sipMethods {
			c.requests.WithLabelValues(d, m)
		}
		c.requests.WithLabelValues(d, "other")
	}
	for _, r := range registrationResults {
		c.registrations.WithLabelValues(r)
	}
	return c
}

func (c *sipCounters) collectors() []prometheus.Collector {
	return []prometheus.Collector{c.requests, c.responses, c.registrations}
}

// SIPMessage counts one SIP message: the SIP server's message hook
// (sip.Options.OnMessage). A final response Parley sends to a REGISTER
// also counts in parley_registrations_total: 2xx as a success, anything
// else as a failure but a 401 or 407 challenge to a REGISTER without
// credentials (a 401 to one with credentials refuses them). It may be called from any
// goroutine and does not block.
func (m *Metrics) SIPMessage(msg sip.Message) {
	dir := "received"
	if msg.Sent {
		dir = "sent"
	}
	method := methodOf(msg.Method)
	if msg.Status == 0 {
		m.sip.requests.WithLabelValues(dir, method).Inc()
		return
	}
	class, code := "other", "other"
	if msg.Status >= 100 && msg.Status <= 699 {
		class, code = strconv.Itoa(msg.Status/100)+"xx", strconv.Itoa(msg.Status)
	}
	m.sip.responses.WithLabelValues(dir, method, class, code).Inc()
	if !msg.Sent || method != "REGISTER" || msg.Status < 200 {
		return
	}
	switch {
	case msg.Status < 300:
		m.sip.registrations.WithLabelValues("success").Inc()
	case msg.Credentials || (msg.Status != 401 && msg.Status != 407):
		m.sip.registrations.WithLabelValues("failure").Inc()
	}
}

// methodOf maps a SIP method to a value of the method label.
func methodOf(method string) string {
	for _, v := range sipMethods {
		if v == method {
			return v
		}
	}
	return "other"
}
