/* A test helper for package coding: runs Phil Karn's libfec (libfec-dev)
 * on what the Go tests give it on standard input, so that ipgs's own
 * Reed-Solomon and Viterbi code is checked against an implementation it
 * did not write. Built by the tests with gcc when libfec is installed;
 * not part of ipgs.
 *
 *   libfec_helper rs N        N blocks of 223 bytes in, their 32 CCSDS
 *                             (dual basis) check bytes out, each
 *   libfec_helper rsdec N     N codewords of 255 bytes in; for each, one
 *                             byte (corrected count, 255 = failure) and
 *                             the 255 bytes out
 *   libfec_helper rspad N K C N shortened blocks of K bytes in (virtual
 *                             fill 223-K), their 32 check bytes out: in the
 *                             dual basis (C 0, encode_rs_ccsds) or the
 *                             conventional (C 1, encode_rs_8)
 *   libfec_helper vit NBITS   2*(NBITS+6) soft symbols in (0 strong zero,
 *                             255 strong one, CCSDS polynomials: G1, then
 *                             G2 inverted), NBITS/8 decoded bytes out
 */
#include <fec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int readall(unsigned char *p, size_t n) { return fread(p, 1, n, stdin) == n; }

int main(int argc, char **argv) {
	if (argc == 5 && !strcmp(argv[1], "rspad")) {
		long n = atol(argv[2]);
		int k = atoi(argv[3]), conv = atoi(argv[4]);
		unsigned char data[255];
		for (long i = 0; i < n; i++) {
			if (!readall(data, k)) return 3;
			if (conv)
				encode_rs_8(data, data + k, 223 - k);
			else
				encode_rs_ccsds(data, data + k, 223 - k);
			fwrite(data + k, 1, 32, stdout);
		}
		return 0;
	}
	if (argc != 3) return 2;
	long n = atol(argv[2]);
	if (!strcmp(argv[1], "rs")) {
		unsigned char data[255];
		for (long i = 0; i < n; i++) {
			if (!readall(data, 223)) return 3;
			encode_rs_ccsds(data, data + 223, 0);
			fwrite(data + 223, 1, 32, stdout);
		}
		return 0;
	}
	if (!strcmp(argv[1], "rsdec")) {
		unsigned char cw[255];
		for (long i = 0; i < n; i++) {
			if (!readall(cw, 255)) return 3;
			int r = decode_rs_ccsds(cw, NULL, 0, 0);
			unsigned char c = r < 0 ? 255 : (unsigned char)r;
			fwrite(&c, 1, 1, stdout);
			fwrite(cw, 1, 255, stdout);
		}
		return 0;
	}
	if (!strcmp(argv[1], "vit")) {
		int polys[2] = {V27POLYB, -V27POLYA};
		set_viterbi27_polynomial(polys);
		unsigned char *sym = malloc(2 * (n + 6));
		unsigned char *out = malloc(n / 8 + 1);
		if (!readall(sym, 2 * (n + 6))) return 3;
		void *v = create_viterbi27(n);
		init_viterbi27(v, 0);
		update_viterbi27_blk(v, sym, n + 6);
		chainback_viterbi27(v, out, n, 0);
		fwrite(out, 1, n / 8, stdout);
		delete_viterbi27(v);
		return 0;
	}
	return 2;
}
