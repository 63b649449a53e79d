// Command sdkgen writes the Python and Go SDKs of the esa package from its schema
// (provider/schema.json), with Pulumi's own code generators, pinned to the CLI's version.
// `pulumi package gen-sdk` would hand generation to the language hosts, and the hosts this
// project builds predate that.
//
// Usage: sdkgen <schema.json> <sdk dir>   (writes <sdk dir>/python and <sdk dir>/go)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: sdkgen <schema.json> <sdk dir>")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}

func run(schemaPath, sdkDir string) error {
	text, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	generators := map[string]func(*schema.Package) (map[string][]byte, error){
		"python": func(pkg *schema.Package) (map[string][]byte, error) {
			return python.GeneratePackage("esa-sdkgen", pkg, nil, nil)
		},
		"go": func(pkg *schema.Package) (map[string][]byte, error) {
			files, err := gogen.GeneratePackage("esa-sdkgen", pkg, nil)
			if err != nil {
				return nil, err
			}
			// Also at the module's root, where the Go language host looks for the plugins a
			// program needs (the generator puts it beside the package only).
			if manifest, ok := files[pkg.Name+"/pulumi-plugin.json"]; ok {
				files["pulumi-plugin.json"] = manifest
			}
			return files, nil
		},
	}
	for _, language := range []string{"python", "go"} {
		// Bound once per language: a generator records its language's metadata in the package.
		var spec schema.PackageSpec
		if err := json.Unmarshal(text, &spec); err != nil {
			return fmt.Errorf("%s: %w", schemaPath, err)
		}
		pkg, diags, err := schema.BindSpec(spec, schema.NewNullLoader(), schema.ValidationOptions{})
		if err != nil {
			return err
		}
		if diags.HasErrors() {
			return fmt.Errorf("the schema does not bind: %v", diags)
		}
		files, err := generators[language](pkg)
		if err != nil {
			return fmt.Errorf("%s: %w", language, err)
		}
		if err := write(filepath.Join(sdkDir, language), files); err != nil {
			return err
		}
	}
	return nil
}

// write replaces dir's contents with files, so that a file the generator no longer makes goes.
func write(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}
