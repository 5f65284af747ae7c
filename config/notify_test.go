package config

import (
	"errors"
	"reflect"
	"testing"
)

// TestParseNotifySections checks dial_in, smtp and sms as written, and the
// defaults they get.
func TestParseNotifySections(t *testing.T) {
	in := `dial_in:
  - {number: "+441632960000", label: London}
  - number: "08081570000"
smtp:
  host: smtp.example.com
  username: parley
  password: "${SMTP_PW}"
  from: Parley <parley@example.com>
sms:
  url: https://sms.example.com/v1/messages?to={{to}}
  body: '{"to": "{{to}}", "text": "{{text}}"}'
  auth_header: "Authorization: Bearer ${SMS_TOKEN}"
  default_country: GB
`
	c, err := Parse("f.yaml", []byte(in), WithLookupEnv(env(map[string]string{"SMTP_PW": "pw", "SMS_TOKEN": "tok"})))
	if err != nil {
		t.Fatal(err)
	}
	wantDial := []DialIn{{Number: "+441632960000", Label: "London"}, {Number: "08081570000"}}
	if !reflect.DeepEqual(c.DialIn, wantDial) {
		t.Errorf("DialIn = %+v, want %+v", c.DialIn, wantDial)
	}
	wantSMTP := &SMTP{Host: "smtp.example.com", Port: 587, Username: "parley", Password: "pw", From: "Parley <parley@example.com>", StartTLS: true}
	if !reflect.DeepEqual(c.SMTP, wantSMTP) {
		t.Errorf("SMTP = %+v, want %+v", c.SMTP, wantSMTP)
	}
	wantSMS := &SMS{URL: "https://sms.example.com/v1/messages?to={{to}}", Method: "POST", Body: `{"to": "{{to}}", "text": "{{text}}"}`,
		AuthHeader: "Authorization: Bearer tok", DefaultCountry: "GB"}
	if !reflect.DeepEqual(c.SMS, wantSMS) {
		t.Errorf("SMS = %+v, want %+v", c.SMS, wantSMS)
	}

	// Written out, port and starttls are kept as written.
	c, err = Parse("f.yaml", []byte("smtp:\n  host: 192.0.2.25\n  port: 25\n  from: p@example.com\n  starttls: false\nsms:\n  url: http://127.0.0.1:9000/send\n  method: GET\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.Port != 25 || c.SMTP.StartTLS {
		t.Errorf("SMTP = %+v, want port 25 without starttls", c.SMTP)
	}
	if c.SMS.Method != "GET" {
		t.Errorf("SMS.Method = %q, want GET", c.SMS.Method)
	}

	// Left out or empty, the sections are nil.
	c, err = Parse("f.yaml", []byte("smtp:\nsms: ~\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP != nil || c.SMS != nil || c.DialIn != nil {
		t.Errorf("SMTP = %+v, SMS = %+v, DialIn = %+v; want nil", c.SMTP, c.SMS, c.DialIn)
	}
}

// TestParseNotifyErrors checks the exact FILE:LINE message of each problem
// in dial_in, smtp and sms.
func TestParseNotifyErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"dial-in number missing", "dial_in:\n  - label: London\n",
			`f.yaml:2: dial_in[0].number: required`},
		{"dial-in number formatted", "dial_in:\n  - {number: \"+44 1632 960000\"}\n",
			`f.yaml:2: dial_in[0].number: "+44 1632 960000": want E.164 (+441632960000) or digits`},
		{"dial-in not a list", "dial_in: \"+441632960000\"\n",
			`f.yaml:1: dial_in: expected a list, got a string`},
		{"dial-in unknown key", "dial_in:\n  - number: \"1\"\n    lable: x\n",
			`f.yaml:3: unknown key "lable" in dial_in[0] (did you mean "label"?)`},
		{"smtp empty section", "smtp: {}\n",
			"f.yaml:1: smtp.host: required\nf.yaml:1: smtp.from: required"},
		{"smtp host", "smtp:\n  host: smtp example com\n  from: p@example.com\n",
			`f.yaml:2: smtp.host: "smtp example com": not a host name or IP address`},
		{"smtp port", "smtp:\n  host: smtp.example.com\n  port: 70000\n  from: p@example.com\n",
			`f.yaml:3: smtp.port: 70000: must be 1-65535`},
		{"smtp port zero", "smtp:\n  host: smtp.example.com\n  port: 0\n  from: p@example.com\n",
			`f.yaml:3: smtp.port: 0: must be 1-65535`},
		{"smtp from", "smtp:\n  host: smtp.example.com\n  from: parley\n",
			`f.yaml:3: smtp.from: "parley": not an email address`},
		{"smtp password without user, not echoed", "smtp:\n  host: smtp.example.com\n  from: p@example.com\n  password: hunter2\n",
			`f.yaml:1: smtp.username: required with a password`},
		{"smtp starttls", "smtp:\n  host: smtp.example.com\n  from: p@example.com\n  starttls: maybe\n",
			`f.yaml:4: smtp.starttls: "maybe": must be true or false`},
		{"smtp unknown key", "smtp:\n  host: smtp.example.com\n  from: p@example.com\n  tls: true\n",
			`f.yaml:4: unknown key "tls" in smtp`},
		{"sms url missing", "sms:\n  default_country: GB\n",
			`f.yaml:1: sms.url: required`},
		{"sms url scheme", "sms:\n  url: ftp://sms.example.com/\n",
			`f.yaml:2: sms.url: "ftp://sms.example.com/": want an http:// or https:// URL`},
		{"sms url template", "sms:\n  url: https://sms.example.com/?to={{number}}\n",
			`f.yaml:2: sms.url: bad template: line 1: function "number" not defined`},
		{"sms method", "sms:\n  url: https://sms.example.com/\n  method: post\n",
			`f.yaml:3: sms.method: "post": must be GET, POST, PUT, PATCH`},
		{"sms body", "sms:\n  url: https://sms.example.com/\n  body: '{\"to\": \"{{to}\"}'\n",
			`f.yaml:3: sms.body: bad template: line 1: bad character U+007D '}'`},
		{"sms content type", "sms:\n  url: https://sms.example.com/\n  content_type: json\n",
			`f.yaml:3: sms.content_type: "json": not a media type`},
		{"sms auth header no value, not echoed", "sms:\n  url: https://sms.example.com/\n  auth_header: \"X-Api-Key:\"\n",
			`f.yaml:3: sms.auth_header: X-Api-Key: no value after the header name`},
		{"sms auth header two lines, not echoed", "sms:\n  url: https://sms.example.com/\n  auth_header: \"Bearer s3cret\\r\\nX: y\"\n",
			`f.yaml:3: sms.auth_header: must be one line`},
		{"sms country", "sms:\n  url: https://sms.example.com/\n  default_country: gb\n",
			`f.yaml:3: sms.default_country: "gb": want an ISO 3166-1 alpha-2 code in capitals, such as GB`},
		{"sms country long", "sms:\n  url: https://sms.example.com/\n  default_country: GBR\n",
			`f.yaml:3: sms.default_country: "GBR": want an ISO 3166-1 alpha-2 code in capitals, such as GB`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("f.yaml", []byte(tt.yaml), WithLookupEnv(env(nil)))
			if err == nil {
				t.Fatalf("Parse() = %+v, nil; want error\n%s", c, tt.want)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse() error is %T, want Errors", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse() error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

// TestValidateNotifyInCode checks the sections on a Config built in code,
// whose errors have no line.
func TestValidateNotifyInCode(t *testing.T) {
	c := Default()
	c.src = nil
	c.SMTP = &SMTP{Host: "smtp.example.com", From: "p@example.com"} // port 0: Parse's default is not applied
	c.SMS = &SMS{URL: "https://sms.example.com/", Method: "POST", DefaultCountry: "GB"}
	c.DialIn = []DialIn{{Number: "+441632960000"}}
	want := "smtp.port: 0: must be 1-65535"
	if err := c.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %s", err, want)
	}
	c.SMTP.Port = 587
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}
