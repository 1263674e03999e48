/* A test helper for package sdls: runs NASA CryptoLib (built beside the
 * project from its public source; not part of ipgs, never committed) on
 * TM frames given in hex, one per argument after the first, in order.
 * The managed parameters are the frame's own (TM version 0, its SCID and
 * VC, its length, an FECF, an OCF when its flag says so); CryptoLib's SA 5
 * is set operational on that channel for authenticated encryption with
 * AES-256-GCM (key 130), a 12-byte IV, a 16-byte MAC, and the whole of
 * the headers authenticated (a mask of ones).
 *
 *   cryptolib_tm_helper apply HEXFRAME...    each protected frame, in hex
 *   cryptolib_tm_helper process HEXFRAME...  each frame's clear data field, in hex,
 *                                            or "error N" (CryptoLib's status)
 */
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int unhex(const char *h, uint8_t *out) { int n = strlen(h) / 2; for (int i = 0; i < n; i++) sscanf(h + 2 * i, "%2hhx", &out[i]); return n; }
int main(int argc, char **argv) {
	if (argc < 3) return 2;
	uint8_t in[2048];
	int n = unhex(argv[2], in);
	uint16_t scid = ((in[0] & 0x3f) << 4) | (in[1] >> 4);
	uint8_t vcid = (in[1] >> 1) & 7;
	int ocf = in[1] & 1;
	Crypto_Config_CryptoLib(KEY_TYPE_INTERNAL, MC_TYPE_INTERNAL, SA_TYPE_INMEMORY, CRYPTOGRAPHY_TYPE_LIBGCRYPT, IV_INTERNAL);
	Crypto_Config_TM(CRYPTO_TM_CREATE_FECF_TRUE, TM_IGNORE_ANTI_REPLAY_FALSE, TM_CHECK_FECF_TRUE, 0x3F, SA_INCREMENT_NONTRANSMITTED_IV_TRUE);
	TMGvcidManagedParameters_t mp = {0, scid, vcid, TM_HAS_FECF, (uint16_t)n, ocf ? TM_HAS_OCF : TM_NO_OCF, 1};
	Crypto_Config_Add_TM_Gvcid_Managed_Parameters(mp);
	if (Crypto_Init() != CRYPTO_LIB_SUCCESS) { printf("error init\n"); return 1; }
	SaInterface sa_if = get_sa_interface_inmemory();
	KeyInterface key_if = get_key_interface_internal();
	SecurityAssociation_t *sa;
	sa_if->sa_get_from_spi(1, &sa); sa->sa_state = SA_NONE;
	sa_if->sa_get_from_spi(5, &sa);
	sa->gvcid_blk.tfvn = 0; sa->gvcid_blk.scid = scid; sa->gvcid_blk.vcid = vcid;
	sa->sa_state = SA_OPERATIONAL; sa->est = 1; sa->ast = 1;
	sa->ecs_len = 1; sa->ecs = CRYPTO_CIPHER_AES256_GCM; sa->acs_len = 1; sa->acs = CRYPTO_MAC_NONE;
	sa->iv_len = 12; sa->shivf_len = 12; sa->stmacf_len = 16; sa->shsnf_len = 0; sa->arsn_len = 0; sa->shplf_len = 0;
	sa->abm_len = n; memset(sa->abm, 0xff, n);
	sa->ekid = 130; sa->akid = 130; key_if->get_key(130)->key_state = KEY_ACTIVE;
	memset(sa->iv, 0, 12);
	for (int a = 2; a < argc; a++) {
		n = unhex(argv[a], in);
		int32_t st;
		if (!strcmp(argv[1], "apply")) {
			st = Crypto_TM_ApplySecurity(in, n);
			if (st != CRYPTO_LIB_SUCCESS) { printf("error %d\n", st); continue; }
			for (int i = 0; i < n; i++) printf("%02x", in[i]);
			printf("\n");
			continue;
		}
		TM_t *tm = calloc(1, sizeof(TM_t));
		uint16_t dlen = 0;
		st = Crypto_TM_ProcessSecurity(in, n, tm, &dlen);
		if (st != CRYPTO_LIB_SUCCESS) { printf("error %d\n", st); free(tm); continue; }
		for (int i = 0; i < tm->tm_pdu_len; i++) printf("%02x", tm->tm_pdu[i]);
		printf("\n");
		free(tm);
	}
	return 0;
}
