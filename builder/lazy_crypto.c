/*
 * builder/lazy_crypto.c - the OpenSSL digest functions gonative calls
 * (gn/sha256.c), forwarding to libcrypto.so.3, which is dlopen()ed on the
 * first call (see builder/lazylib.h).  Mapping and relocating libcrypto
 * costs about 1 ms of every start, and its first digest as much again
 * (OpenSSL 3 reads its config file and fills its provider tables): a
 * command that hashes nothing large should pay neither.  Linked into
 * cmd/gonative only, with -Dlazy_libs=true.
 */
#include "builder/lazylib.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <pthread.h>

/* OpenSSL 3's SONAME. */
#define CRYPTO_SONAME "libcrypto.so.3"

/* R: functions returning a value; V: returning void.  (type, name, params, args) */
#define LAZY_CRYPTO(R, V)                                                                  \
	R(const EVP_MD *, EVP_sha256, (void), ())                                          \
	R(EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())                                        \
	V(EVP_MD_CTX_free, (EVP_MD_CTX * ctx), (ctx))                                      \
	R(int, EVP_DigestInit_ex, (EVP_MD_CTX * ctx, const EVP_MD *type, ENGINE *impl),    \
	  (ctx, type, impl))                                                               \
	R(int, EVP_DigestUpdate, (EVP_MD_CTX * ctx, const void *d, size_t cnt), (ctx, d, cnt)) \
	R(int, EVP_DigestFinal_ex, (EVP_MD_CTX * ctx, unsigned char *md, unsigned int *s), \
	  (ctx, md, s))                                                                    \
	R(int, EVP_Digest,                                                                 \
	  (const void *data, size_t count, unsigned char *md, unsigned int *size,          \
	   const EVP_MD *type, ENGINE *impl),                                              \
	  (data, count, md, size, type, impl))                                             \
	R(unsigned long, OpenSSL_version_num, (void), ())

#define POINTER_R(type, name, params, args) static __typeof__(name) *p_##name;
#define POINTER_V(name, params, args) static __typeof__(name) *p_##name;
LAZY_CRYPTO(POINTER_R, POINTER_V)

#define SYM_R(type, name, params, args) { #name, &p_##name },
#define SYM_V(name, params, args) { #name, &p_##name },
static const struct lazylib_sym crypto_syms[] = { LAZY_CRYPTO(SYM_R, SYM_V) };

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;

static void
crypto_load(void)
{
	char why[512];
	unsigned long version;

	if (lazylib_open(CRYPTO_SONAME, crypto_syms, sizeof(crypto_syms) / sizeof(crypto_syms[0]),
			 why, sizeof(why)) != 0) {
		lazylib_fail("cannot load %s, which gonative needs to hash: %s", CRYPTO_SONAME,
			     why);
	}
	/* 0xMNN00PP0: major and minor must be at least the headers'. */
	version = p_OpenSSL_version_num();
	if ((version >> 20) < ((unsigned long)OPENSSL_VERSION_NUMBER >> 20)) {
		lazylib_fail("%s is OpenSSL %lx; gonative was built against %lx and needs at "
			     "least that",
			     CRYPTO_SONAME, version, (unsigned long)OPENSSL_VERSION_NUMBER);
	}
}

#define FORWARD_R(type, name, params, args)                                                \
	type name params                                                                   \
	{                                                                                  \
		pthread_once(&crypto_once, crypto_load);                                   \
		return p_##name args;                                                      \
	}
#define FORWARD_V(name, params, args)                                                      \
	void name params                                                                   \
	{                                                                                  \
		pthread_once(&crypto_once, crypto_load);                                   \
		p_##name args;                                                             \
	}
LAZY_CRYPTO(FORWARD_R, FORWARD_V)
