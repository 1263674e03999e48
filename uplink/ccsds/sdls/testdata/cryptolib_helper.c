/* A test helper for package sdls: runs NASA CryptoLib (built beside the
 * project from its public source; not part of ipgs, never committed) on a
 * TC frame given in hex, with CryptoLib's own unit-test configuration
 * (Crypto_Init_TC_Unit_Test) and its SA 4 (AES-256-GCM, 12-byte IV,
 * 16-byte MAC) set operational on VC 0 with key 130, as CryptoLib's
 * HAPPY_PATH_AUTH_ENC test does.
 *
 *   cryptolib_helper apply HEXFRAME     the protected frame, in hex
 *   cryptolib_helper process HEXFRAME   the frame's clear data, in hex
 * Errors: "error N" (CryptoLib's status) and exit 1. */
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int unhex(const char *h, uint8_t *out) { int n = strlen(h) / 2; for (int i = 0; i < n; i++) sscanf(h + 2 * i, "%2hhx", &out[i]); return n; }
int main(int argc, char **argv) {
	if (argc != 3) return 2;
	Crypto_Init_TC_Unit_Test();
	SaInterface sa_if = get_sa_interface_inmemory();
	SecurityAssociation_t *sa;
	sa_if->sa_get_from_spi(1, &sa); sa->sa_state = SA_NONE;
	sa_if->sa_get_from_spi(4, &sa);
	sa->gvcid_blk.vcid = 0; sa->sa_state = SA_OPERATIONAL; sa->arsn_len = 0; sa->ekid = 130;
	uint8_t in[2048]; int n = unhex(argv[2], in);
	if (!strcmp(argv[1], "apply")) {
		uint8_t *out = NULL; uint16_t outlen = 0;
		int32_t st = Crypto_TC_ApplySecurity(in, n, &out, &outlen);
		if (st != CRYPTO_LIB_SUCCESS) { printf("error %d\n", st); return 1; }
		for (int i = 0; i < outlen; i++) printf("%02x", out[i]);
		printf("\n");
		return 0;
	}
	TC_t *tc = calloc(1, sizeof(TC_t));
	int len = n;
	int32_t st = Crypto_TC_ProcessSecurity(in, &len, tc);
	if (st != CRYPTO_LIB_SUCCESS) { printf("error %d\n", st); return 1; }
	for (int i = 0; i < tc->tc_pdu_len; i++) printf("%02x", tc->tc_pdu[i]);
	printf("\n");
	return 0;
}
