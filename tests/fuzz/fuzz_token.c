/*
 * fuzz_token.c: libFuzzer target for the answer-link token reader (token_decode and
 * token_verify_mac), which reads whatever follows /a/ in a request. The input is the token's text
 * (up to its first NUL). What is checked: a token read is one that writes back to the very same
 * text under its own signature's key when that key signed it, and whatever it says stays within
 * its fields' limits; nothing read is ever past the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key the corpus's good tokens are signed with. */
static const unsigned char fuzz_secret[TOKEN_SECRET_LEN] = "driftwatch-fuzz-token-secret-32b";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char payload[TOKEN_PAYLOAD_MAX], mac[TOKEN_MAC_LEN];
	struct token t;
	size_t paylen;
	char *text, *again;

	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (token_decode(text, &t, payload, &paylen, mac) == TOKEN_OK) {
		if (paylen > TOKEN_PAYLOAD_MAX || strlen(t.action) >= TOKEN_ACTION_MAX ||
		    strlen(t.ref) >= TOKEN_REF_MAX || strlen(t.plan) >= TOKEN_PLAN_MAX ||
		    strlen(t.recipient) >= TOKEN_RECIPIENT_MAX)
			abort();
		if (token_verify_mac(payload, paylen, mac, fuzz_secret, sizeof fuzz_secret) == TOKEN_OK) {
			/* Signed by our key: one token, one spelling. */
			if ((again = token_encode(&t, fuzz_secret, sizeof fuzz_secret)) == NULL ||
			    strcmp(again, text) != 0)
				abort();
			free(again);
		}
	}
	free(text);
	return 0;
}
