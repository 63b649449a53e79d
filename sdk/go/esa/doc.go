// Ships Alibaba Cloud ESA edge-routine code to staging and production: routines, code versions from source, and deployments with canary splits and gated, self-rolling-back progressive rollouts.
package esa
