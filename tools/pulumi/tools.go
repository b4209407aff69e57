//go:build tools

// Package tools records the main packages that scripts/install-pulumi.sh
// builds, so that `go mod tidy` keeps their dependencies in go.mod/go.sum.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
