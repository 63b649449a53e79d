// The edge routine: answers every request from the edge.
/* global URL, Response -- the edge runtime's Web APIs */
export default {
    async fetch(request) {
        const url = new URL(request.url);
        return new Response(`Hello from the edge, you asked for ${url.pathname}\n`, {
            headers: { "content-type": "text/plain; charset=utf-8" },
        });
    },
};
