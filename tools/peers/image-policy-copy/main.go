// image-policy-copy: the client side of a signed pull, as bootc sees it. It runs containers/image's
// own signature policy check (policy.json, e.g. type sigstoreSigned with keyPath = cosign.pub,
// the handbook's client policy) around a copy, like `skopeo copy --policy FILE --registries.d DIR`:
// a copy the policy rejects exits 1 with containers/image's message. Test peer only.
//
//	image-policy-copy --policy FILE --registries.d DIR [--src-tls-verify=false] [--all] SRC DEST
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/transports/alltransports"
	"go.podman.io/image/v5/types"
)

func main() {
	policyPath := flag.String("policy", "", "policy.json to enforce")
	registriesD := flag.String("registries.d", "", "registries.d folder (use-sigstore-attachments)")
	srcTLSVerify := flag.Bool("src-tls-verify", true, "verify TLS of the source registry")
	all := flag.Bool("all", false, "copy every image of an index")
	flag.Parse()
	if *policyPath == "" || flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: image-policy-copy --policy FILE [--registries.d DIR] [--src-tls-verify=false] [--all] SRC DEST")
		os.Exit(2)
	}
	if err := run(*policyPath, *registriesD, *srcTLSVerify, *all, flag.Arg(0), flag.Arg(1)); err != nil {
		fmt.Fprintf(os.Stderr, "image-policy-copy: %v\n", err)
		os.Exit(1)
	}
}

func run(policyPath, registriesD string, srcTLSVerify, all bool, srcName, destName string) error {
	policy, err := signature.NewPolicyFromFile(policyPath)
	if err != nil {
		return fmt.Errorf("reading policy %s: %w", policyPath, err)
	}
	pc, err := signature.NewPolicyContext(policy)
	if err != nil {
		return err
	}
	defer pc.Destroy()
	src, err := alltransports.ParseImageName(srcName)
	if err != nil {
		return fmt.Errorf("source %s: %w", srcName, err)
	}
	dest, err := alltransports.ParseImageName(destName)
	if err != nil {
		return fmt.Errorf("destination %s: %w", destName, err)
	}
	sys := &types.SystemContext{RegistriesDirPath: registriesD, SignaturePolicyPath: policyPath}
	if !srcTLSVerify {
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
	}
	opts := &copy.Options{SourceCtx: sys, DestinationCtx: &types.SystemContext{}, ReportWriter: os.Stderr}
	if all {
		opts.ImageListSelection = copy.CopyAllImages
	}
	manifest, err := copy.Image(context.Background(), pc, dest, src, opts)
	if err != nil {
		return err
	}
	fmt.Printf("copied %d manifest bytes\n", len(manifest))
	return nil
}
