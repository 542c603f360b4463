//go:build tools

// Package tools only imports the language host command so `go mod tidy`
// records every module it needs.
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
