package api

import (
	"context"
	"errors"
	"net/http"
)

// Reloader re-reads the config file the server was started with and
// applies what it can at once (`parley serve`'s app).
type Reloader interface {
	// Reload applies the file. A file with problems is refused whole with
	// a *ReloadRefused and the running config stays; any other error
	// means nothing was reloaded either.
	Reload(ctx context.Context) (ReloadResult, error)
}

// ReloadResult is the answer of POST /api/v1/reload: what took effect.
type ReloadResult struct {
	// Changes says what changed, as the log line and the reloaded event
	// do: "rooms +1000 -2000 ~3000, extensions +2005, trunks ~pstn", or
	// "no changes".
	Changes string `json:"changes"`
	// RestartNeeded lists the settings that changed but are not applied
	// until a restart ("rtp.ports changed: restart needed"); the running
	// server keeps their old values. Empty when none.
	RestartNeeded []string `json:"restart_needed"`
}

// ErrNoConfigFile is the error of a Reloader whose server was started
// without a config file (the embedded default): there is nothing to read
// again. The API answers it with 409.
var ErrNoConfigFile = errors.New("reload: started without a config file (the embedded default): nothing to re-read")

// ReloadRefused is the error of a reload whose config file has problems,
// each as "FILE:LINE: message"; the API answers it with 422.
type ReloadRefused struct {
	// Problems are the file's problems, in line order.
	Problems []string
}

func (e *ReloadRefused) Error() string {
	return "the config file has problems; the running config stays"
}

// reloadAPI serves POST /api/v1/reload.
type reloadAPI struct {
	reloader Reloader // nil: 503
}

// reload re-reads the config file: 200 with a ReloadResult, 422 with the
// problems of a bad file, 409 without a file, 503 without a reloader.
func (s *reloadAPI) reload(w http.ResponseWriter, r *http.Request) error {
	if s.reloader == nil {
		return &Error{Status: http.StatusServiceUnavailable, Message: "this server cannot reload its config"}
	}
	res, err := s.reloader.Reload(r.Context())
	var refused *ReloadRefused
	switch {
	case errors.As(err, &refused):
		return &Error{Status: http.StatusUnprocessableEntity, Field: "config", Message: refused.Error(), Problems: refused.Problems}
	case errors.Is(err, ErrNoConfigFile):
		return &Error{Status: http.StatusConflict, Message: err.Error()}
	case err != nil:
		return err // 500, logged
	}
	if res.RestartNeeded == nil {
		res.RestartNeeded = []string{}
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
