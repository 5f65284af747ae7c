package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/parleyhq/parley/accounts"
	"github.com/parleyhq/parley/bridge"
)

// openAPI is the part of an OpenAPI 3.1 document the tests read.
type openAPI struct {
	OpenAPI string                          `json:"openapi"`
	Paths   map[string]map[string]operation `json:"paths"`
	Comps   struct {
		Schemas    map[string]schema          `json:"schemas"`
		Parameters map[string]parameter       `json:"parameters"`
		Responses  map[string]json.RawMessage `json:"responses"`
	} `json:"components"`
}

type operation struct {
	OperationID string                     `json:"operationId"`
	Parameters  []parameter                `json:"parameters"`
	RequestBody json.RawMessage            `json:"requestBody"`
	Responses   map[string]json.RawMessage `json:"responses"`
	Security    *[]map[string][]string     `json:"security"`
}

type parameter struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

type schema struct {
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required"`
}

func loadOpenAPI(t *testing.T) openAPI {
	t.Helper()
	var doc openAPI
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIMatchesRoutes checks the route table (which the mux is built
// from) against the document, both ways, so that neither drifts: every
// route is documented with its path parameters, and every documented
// operation is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	served := make(map[string]endpoint)
	for _, e := range (&server{}).endpoints() {
		served[strings.ToLower(e.Method)+" "+e.Path] = e
	}
	documented := make(map[string]operation)
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented[method+" "+path] = op
		}
	}
	for key, e := range served {
		op, ok := documented[key]
		if !ok {
			t.Errorf("%s is served but not in openapi.json", key)
			continue
		}
		// Path parameters: exactly those of the pattern.
		var want, got []string
		for _, seg := range strings.Split(e.Path, "/") {
			if strings.HasPrefix(seg, "{") {
				want = append(want, strings.Trim(seg, "{}"))
			}
		}
		for _, p := range op.Parameters {
			if p.Ref != "" {
				name := strings.TrimPrefix(p.Ref, "#/components/parameters/")
				def, ok := doc.Comps.Parameters[name]
				if !ok {
					t.Errorf("%s: parameter %s is not defined", key, p.Ref)
				}
				p = def
			}
			if p.In == "path" {
				got = append(got, p.Name)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: path parameters %v documented, the pattern has %v", key, got, want)
		}
		if len(op.Responses) == 0 || op.OperationID == "" {
			t.Errorf("%s: no responses or no operationId", key)
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != (e.Access == accessPublic) {
			t.Errorf("%s: documented without a token %v, served without one %v", key, public, e.Access == accessPublic)
		}
		if e.Access != accessPublic && op.Responses["401"] == nil {
			t.Errorf("%s: needs a token but documents no 401", key)
		}
		if (e.Access == accessModerate || e.Access == accessAdmin) && op.Responses["403"] == nil {
			t.Errorf("%s: may be refused but documents no 403", key)
		}
	}
	for key := range documented {
		if _, ok := served[key]; !ok {
			t.Errorf("%s is in openapi.json but not served", key)
		}
	}
	// Every $ref points at something.
	var refs []string
	collectRefs(t, openAPIDoc, &refs)
	for _, ref := range refs {
		parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
		var ok bool
		switch parts[0] {
		case "schemas":
			_, ok = doc.Comps.Schemas[parts[1]]
		case "parameters":
			_, ok = doc.Comps.Parameters[parts[1]]
		case "responses":
			_, ok = doc.Comps.Responses[parts[1]]
		}
		if !ok {
			t.Errorf("dangling $ref %s", ref)
		}
	}
}

func collectRefs(t *testing.T, data []byte, refs *[]string) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "$ref" {
					*refs = append(*refs, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
}

// TestOpenAPISchemas checks each documented schema's properties against
// the JSON fields of the Go type that is its wire form, and that the
// fields without omitempty are the required ones.
func TestOpenAPISchemas(t *testing.T) {
	doc := loadOpenAPI(t)
	types := map[string]any{
		"Error": Error{}, "Room": Room{}, "RoomRequest": RoomRequest{}, "RoomPatch": RoomPatch{},
		"DialRequest": DialRequest{}, "DialResponse": DialResponse{}, "RouteInfo": RouteInfo{}, "RouteResponse": RouteResponse{},
		"Participant": Participant{}, "ParticipantPatch": ParticipantPatch{}, "MuteAllRequest": MuteAllRequest{},
		"MuteAllResponse": MuteAllResponse{}, "TokenRequest": TokenRequest{}, "ConsoleLoginRequest": ConsoleLoginRequest{}, "NewToken": NewToken{}, "Token": Token{},
		"Event": bridge.Event{}, "ScheduleRequest": ScheduleRequest{}, "SchedulePatch": SchedulePatch{}, "Schedule": Schedule{},
		"ScheduledParticipant": ScheduledParticipant{}, "Visit": Visit{}, "Attendee": Attendee{}, "CallQuality": CallQuality{},
		"RowError": RowError{}, "LinkRequest": LinkRequest{}, "LinkPatch": LinkPatch{}, "Link": Link{},
		"SentInvitation": SentInvitation{}, "ResendResponse": ResendResponse{}, "ImportResponse": ImportResponse{},
		"DialInNumber": DialInNumber{}, "JoinInfo": JoinInfo{}, "ContactRequest": ContactRequest{}, "Contact": Contact{},
		"ReloadResult": ReloadResult{}, "DrainState": DrainState{},
		"TraceRequest": TraceRequest{}, "Trace": Trace{}, "TracesStopped": TracesStopped{},
		"SessionRequest": SessionRequest{}, "SessionInfo": SessionInfo{}, "User": accounts.User{},
		"DirectoryUser": DirectoryUser{}, "DirectoryResult": DirectoryResult{},
		"SuggestedNumber": SuggestedNumber{}, "MeetingSchedule": MeetingSchedule{}, "MeetingParticipant": MeetingParticipant{},
		"MeetingRequest": MeetingRequest{}, "Meeting": Meeting{},
	}
	for name := range doc.Comps.Schemas {
		if _, ok := types[name]; !ok {
			t.Errorf("schema %s has no Go type in this test", name)
		}
	}
	for name, v := range types {
		sc, ok := doc.Comps.Schemas[name]
		if !ok {
			t.Errorf("%T is not documented as schema %s", v, name)
			continue
		}
		var fields, always []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			tag := rt.Field(i).Tag.Get("json")
			jname, opts, _ := strings.Cut(tag, ",")
			if jname == "-" || !rt.Field(i).IsExported() {
				continue
			}
			fields = append(fields, jname)
			if !strings.Contains(opts, "omitempty") {
				always = append(always, jname)
			}
		}
		var props []string
		for p := range sc.Properties {
			props = append(props, p)
		}
		sort.Strings(fields)
		sort.Strings(props)
		if !slices.Equal(fields, props) {
			t.Errorf("schema %s has %v, %T has %v", name, props, v, fields)
		}
		if strings.HasSuffix(name, "Request") || strings.HasSuffix(name, "Patch") {
			continue // required there means what a client must send
		}
		req := slices.Clone(sc.Required)
		sort.Strings(req)
		sort.Strings(always)
		if !slices.Equal(req, always) {
			t.Errorf("schema %s requires %v; %T always sends %v", name, req, v, always)
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	srv := newTestServer(t, nil)
	code, body := callAs(t, srv, "", "GET", "/api/v1/openapi.json", "")
	if code != http.StatusOK || string(body) != string(openAPIDoc) {
		t.Errorf("GET openapi.json without a token: %d", code)
	}
	if code, _ := callAs(t, srv, "", "POST", "/api/v1/openapi.json", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("POST openapi.json: %d, want 405", code)
	}
}
