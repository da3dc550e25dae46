// Command gotemplate renders Go text/template + Sprig templates the way ACR's acb runner does
// (missingkey=zero, every "<no value>" removed). Batch mode: one JSON object per stdin line
// {"name","text","data"}; one JSON object per stdout line {"out"} or {"err"}.
// Used only by Dockyard's differential test; build with GO111MODULE=off GOPATH=/usr/share/gocode.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"text/template"
	"time"

	"github.com/Masterminds/sprig"
)

type request struct {
	Name string      `json:"name"`
	Text string      `json:"text"`
	Data interface{} `json:"data"`
}

type response struct {
	Out *string `json:"out,omitempty"`
	Err *string `json:"err,omitempty"`
}

// normalise turns integral JSON numbers into Go ints, like YAML-decoded values.
func normalise(v interface{}) interface{} {
	switch t := v.(type) {
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int(t)
		}
		return t
	case map[string]interface{}:
		for k, x := range t {
			t[k] = normalise(x)
		}
		return t
	case []interface{}:
		for i, x := range t {
			t[i] = normalise(x)
		}
		return t
	}
	return v
}

func render(req request) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	fm := sprig.TxtFuncMap()
	fm["b64enc"] = func(v interface{}) string {
		if v == nil {
			return ""
		}
		return base64.StdEncoding.EncodeToString([]byte(fmt.Sprint(v)))
	}
	t := template.New("_").Option("missingkey=zero")
	t = t.New(req.Name).Funcs(fm)
	if _, err := t.Parse(req.Text); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v", r)
			}
		}()
		done <- t.ExecuteTemplate(&buf, req.Name, normalise(req.Data))
	}()
	select {
	case err := <-done:
		if err != nil {
			return "", err
		}
	case <-time.After(2 * time.Second):
		return "", fmt.Errorf("timeout")
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	for in.Scan() {
		var req request
		var resp response
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			s := "bad request: " + err.Error()
			resp.Err = &s
		} else if out, err := render(req); err != nil {
			s := err.Error()
			resp.Err = &s
		} else {
			resp.Out = &out
		}
		enc.Encode(resp)
		w.Flush()
	}
}
