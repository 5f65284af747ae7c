package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// decodeJSON reads r's body, at most MaxBody bytes, into the struct v.
// Unknown fields, values of the wrong type and anything after the object
// are refused with a 400 *Error that names the field at fault.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return bodyError(err)
		}
		return &Error{Status: http.StatusBadRequest, Message: "unexpected data after the JSON object"}
	}
	return nil
}

// bodyError explains why a body could not be decoded.
func bodyError(err error) *Error {
	bad := func(field, format string, args ...any) *Error {
		return &Error{Status: http.StatusBadRequest, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	var (
		tooBig  *http.MaxBytesError
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooBig):
		return &Error{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("body larger than %d KiB", MaxBody>>10)}
	case errors.Is(err, io.EOF):
		return bad("", "empty body: want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return bad("", "malformed JSON: the body ends too soon")
	case errors.As(err, &syntax):
		return bad("", "malformed JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &typeErr) && typeErr.Value == "bool":
		typeErr.Value = "boolean"
		return bodyError(typeErr)
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return bad("", "want a JSON object, not %s", article(typeErr.Value))
	case errors.As(err, &typeErr):
		return bad(typeErr.Field, "%s must be %s, not %s", typeErr.Field, article(jsonKind(typeErr.Type)), article(typeErr.Value))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return bad(name, "unknown field %q", name)
	}
	return bad("", "malformed JSON: %v", err)
}

// jsonKind names the JSON type that decodes into t.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "object"
}

// article puts "a" or "an" before a JSON type name.
func article(kind string) string {
	if kind != "" && strings.IndexByte("aeiou", kind[0]) >= 0 {
		return "an " + kind
	}
	return "a " + kind
}

// decodeOptionalJSON is decodeJSON for bodies that may be left out: an
// empty body leaves v as it is.
func decodeOptionalJSON(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		return bodyError(err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	return decodeJSON(w, r, v)
}
