module github.com/esa-routine-deployment/esa-routine-deployment/examples/go-progressive-rollout

go 1.25

require (
	github.com/esa-routine-deployment/esa-routine-deployment/sdk/go v0.0.0
	github.com/pulumi/pulumi/sdk/v3 v3.257.0
)

// The SDK is not published: it comes with the npm package (node_modules/esa-routine-deployment/sdk/go).
replace github.com/esa-routine-deployment/esa-routine-deployment/sdk/go => ../../sdk/go
