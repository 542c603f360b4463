//go:build tools

// Package tools only imports the Pulumi CLI command so `go mod tidy`
// records every module it needs.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
