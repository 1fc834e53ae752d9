// The link types the decoder harness chooses from with its first input byte (shared by DecoderFuzz and
// FuzzSeeds, so a seed made from a fixture frame selects that frame's link type).

import FlowPacket

let fuzzLinkTypes: [LinkType] = [
    .ethernet, .linuxSLL, .linuxSLL2, .raw, .rawOpenBSD, .rawLinktype, .ipv4, .ipv6, .null, .loop, .ppp,
    .pppSerial, .cHDLC, .ieee80211Radiotap,
    LinkType(rawValue: 147),  // an unsupported one (DLT_USER0): must say so, not crash
]
