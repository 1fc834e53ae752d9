#ifndef FLOWMETER_CNDPI_SHIM_H
#define FLOWMETER_CNDPI_SHIM_H
// nDPI 4.2 (Debian's libndpi-dev). Its bitmask macros are not imported by Swift, and the flow struct keeps its
// results in unions and bit-fields, so the few fields flowmeter reads are reached through these accessors.
// NDPI_LIB_COMPILATION exposes struct ndpi_detection_module_struct, whose cache pointers
// flowmeter_ndpi_forget_caches clears (its offsets were checked against libndpi's own ndpi_exit_detection_module).
#define NDPI_LIB_COMPILATION
#include <ndpi_api.h>

/// Enables every protocol dissector (NDPI_BITMASK_SET_ALL is a macro).
static inline void flowmeter_ndpi_enable_all_protocols(struct ndpi_detection_module_struct *module) {
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(module, &all);
}

/// libndpi's own (libcache.h is not installed): frees the tinc dissector's cache.
void cache_free(struct cache *cache);

/// Frees nDPI's cross-flow caches (created lazily by the dissectors that use them: Ookla, tinc, BitTorrent, Zoom,
/// STUN, TLS certificates, mining, Teams) and returns how many existed. Called before every packet, it makes each
/// flow's result depend on its own packets only, so it cannot depend on which other flows share the meter thread.
static inline int flowmeter_ndpi_forget_caches(struct ndpi_detection_module_struct *m) {
    int n = 0;
    struct ndpi_lru_cache **lru[] = {
        &m->ookla_cache, &m->bittorrent_cache, &m->zoom_cache, &m->stun_cache,
        &m->tls_cert_cache, &m->mining_cache, &m->msteams_cache,
    };
    for (unsigned i = 0; i < sizeof(lru) / sizeof(lru[0]); i++) {
        if (*lru[i]) { ndpi_lru_free_cache(*lru[i]); *lru[i] = NULL; n++; }
    }
    if (m->tinc_cache) { cache_free(m->tinc_cache); m->tinc_cache = NULL; n++; }
    return n;
}

/// Whether every cache pointer is NULL, as it must be right after initialisation (a check that this header's
/// layout of the module struct is the library's).
static inline int flowmeter_ndpi_caches_unset(const struct ndpi_detection_module_struct *m) {
    return !m->ookla_cache && !m->tinc_cache && !m->bittorrent_cache && !m->zoom_cache && !m->stun_cache
        && !m->tls_cert_cache && !m->mining_cache && !m->msteams_cache;
}

/// The flow's confidence as nDPI 4.2 numbers it (0 unknown, 1 port, 2 IP, 3 DPI cache, 4 DPI).
static inline int flowmeter_ndpi_confidence(const struct ndpi_flow_struct *flow) { return (int)flow->confidence; }

/// SNI, HTTP Host, DNS query name, DHCP host name … ("" when none).
static inline const char *flowmeter_ndpi_host_server_name(const struct ndpi_flow_struct *flow) {
    return flow->host_server_name;
}

/// HTTP (and QUIC) user agent; NULL when none.
static inline const char *flowmeter_ndpi_user_agent(const struct ndpi_flow_struct *flow) {
    return flow->http.user_agent;
}

/// HTTP response content type; NULL when none.
static inline const char *flowmeter_ndpi_content_type(const struct ndpi_flow_struct *flow) {
    return flow->http.content_type;
}

/// JA3S (md5 text) of a TLS-like flow; only meaningful when the flow was dissected as TLS, DTLS or QUIC.
static inline const char *flowmeter_ndpi_ja3_server(const struct ndpi_flow_struct *flow) {
    return flow->protos.tls_quic.ja3_server;
}

/// JA3 (md5 text) of a TLS-like flow's client (not printed: NFStream 6.6.0 prints JA4, which we compute).
static inline const char *flowmeter_ndpi_ja3_client(const struct ndpi_flow_struct *flow) {
    return flow->protos.tls_quic.ja3_client;
}

/// HASSH of an SSH flow's client and server.
static inline const char *flowmeter_ndpi_hassh_client(const struct ndpi_flow_struct *flow) {
    return flow->protos.ssh.hassh_client;
}
static inline const char *flowmeter_ndpi_hassh_server(const struct ndpi_flow_struct *flow) {
    return flow->protos.ssh.hassh_server;
}

/// The DHCP request's option-55 fingerprint ("1,3,6,…").
static inline const char *flowmeter_ndpi_dhcp_fingerprint(const struct ndpi_flow_struct *flow) {
    return flow->protos.dhcp.fingerprint;
}
#endif
