import FlowMeter
import FlowPacket

#if NDPI
/// The hooks of `ApplicationPlugin`. Each meter works with its own copy of the plugin (`copyForMeter()`), which
/// holds that meter's nDPI detection module (nDPI is not thread-safe).
extension ApplicationPlugin {
    /// A copy holding a detection module of its own, for one meter thread.
    public func copyForMeter() -> ApplicationPlugin {
        var copy = self
        do {
            copy.lease = DetectorLease(try NDPIDetector.acquire())
        } catch {
            fatalError("\(error)")  // init already started a module successfully; it waits in the pool
        }
        return copy
    }

    /// Takes an nDPI flow state and gives nDPI the first packet.
    public func flowStarted(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        guard let detector = lease?.detector else { return .keep }
        state.handle = detector.makeFlow()
        dissect(&state, detector: detector, flowPackets: flow.packets, packet: packet)
        return .keep
    }

    /// Gives nDPI the flow's packets until detection is final, then (in the window) a hello that may still come.
    ///
    /// Inlined into the meter's hook call, so that the packets with nothing left to do (past the flow's first
    /// `dissections` packets, or after a final detection: three in four of the mixed benchmark trace's) cost two
    /// comparisons; a call would copy the flow and the packet context first (386 bytes).
    @inline(__always)
    public func packetObserved(_ state: inout State, flow: borrowing Flow, packet: borrowing PacketContext)
        -> PluginAction
    {
        guard flow.packets <= UInt64(dissections) else { return .keep }
        if state.stage == 2 && !state.helloMayFollow { return .keep }
        observeWhileDissecting(&state, flowPackets: flow.packets, packet: packet)
        return .keep
    }

    /// `packetObserved` while nDPI dissects the flow, or a hello may still come.
    private func observeWhileDissecting(_ state: inout State, flowPackets: UInt64, packet: borrowing PacketContext) {
        guard let detector = lease?.detector else { return }
        if state.stage < 2 {
            dissect(&state, detector: detector, flowPackets: flowPackets, packet: packet)
        } else if state.helloMayFollow && state.ja4.isEmpty
            && (state.hello.isCollecting || state.quicHello.isCollecting)
        {
            // nDPI is done, but a STARTTLS hello, or the rest of a QUIC hello, may still come in the window.
            collectHello(&state, packet: packet)
            if !state.ja4.isEmpty {
                if state.requestedServerName.isEmpty && !state.quicHello.serverName.isEmpty {
                    state.requestedServerName = state.quicHello.serverName
                    nameFromAssembledServerName(&state, detector: detector)
                }
                state.clientFingerprint = ApplicationPlugin.ja4(state.ja4, serverName: state.requestedServerName)
            }
        }
    }

    /// A flow leaving before detection was final gets nDPI's guess, or what nDPI found so far.
    public func flowExpired(_ state: inout State, flow: borrowing Flow) {
        guard let detector = lease?.detector else { return }
        if state.stage == 0 {
            giveUp(&state, detector: detector)
        } else if state.stage == 1 {
            finish(&state, detector: detector, guessed: false)
        }
    }

    private func dissect(
        _ s: inout State, detector: NDPIDetector, flowPackets: UInt64, packet p: PacketContext
    ) {
        guard let handle = s.handle else { return }
        collectHello(&s, packet: p)
        // nDPI names a flow SSDP from its first UDP payload (any other payload excludes SSDP), so only that one is read.
        if p.packet.ipProtocol == 17 && s.ssdpHost == nil && p.packet.payloadSize > 0 {
            s.ssdpHost = SSDPHost.host(in: p.payload) ?? ""
        }
        let d = detector.process(
            handle, ipPacket: p.ipPacket, timeMilliseconds: timeUnit.milliseconds(p.packet.time))
        if d.app != 0 {
            s.detection = ApplicationPlugin.Detection(master: d.master, app: d.app, category: d.category)
            if s.stage == 0 { s.stage = 1 }
            if !detector.wantsMorePackets(handle) || flowPackets >= UInt64(dissections) {
                finish(&s, detector: detector, guessed: false)
            }
        } else if flowPackets >= UInt64(dissections) {
            if s.stage == 0 { giveUp(&s, detector: detector) } else { finish(&s, detector: detector, guessed: false) }
        }
    }

    /// Feeds a client packet to the ClientHello assembler (TCP), or to the QUIC Initial reader and the DTLS hello
    /// parser (UDP).
    @inline(__always)
    private func collectHello(_ s: inout State, packet p: PacketContext) {
        guard p.direction == 0 && p.packet.payloadSize > 0 else { return }
        if p.packet.ipProtocol == 6 && s.hello.isCollecting, let sequence = ApplicationPlugin.tcpSequence(p) {
            if let ja4 = s.hello.add(segment: p.payload, sequence: sequence) { s.ja4 = ja4 }
        } else if p.packet.ipProtocol == 17 && s.ja4.isEmpty {
            if s.quicHello.isCollecting, let ja4 = s.quicHello.add(datagram: p.payload) {
                s.ja4 = ja4
            } else if p.packet.payloadSize > 25, let ja4 = JA4.fingerprint(dtlsDatagram: p.payload) {
                s.ja4 = ja4
            }
        }
    }

    private func giveUp(_ s: inout State, detector: NDPIDetector) {
        guard let handle = s.handle else { return }
        let (d, guessed) = detector.giveUp(handle)
        s.detection = ApplicationPlugin.Detection(master: d.master, app: d.app, category: d.category)
        finish(&s, detector: detector, guessed: guessed)
    }

    /// A QUIC flow nDPI left as plain `QUIC` because it could not read the server name (a hello spread over
    /// several Initials), whose name flowmeter assembled: named from nDPI's host list as nDPI names a server name
    /// it read itself (`QUIC.YouTube`, category Media), which is what nDPI 5.0, reassembling the hello, reports.
    private func nameFromAssembledServerName(_ s: inout State, detector: NDPIDetector) {
        let d = s.detection
        let quic = UInt16(NDPIDetector.ProtocolID.quic)
        guard d.app == quic && (d.master == 0 || d.master == quic),
            let match = detector.hostMatch(s.requestedServerName), match.app != quic
        else { return }
        s.detection = ApplicationPlugin.Detection(master: quic, app: match.app, category: match.category)
        let named = NDPIDetector.Detection(master: quic, app: match.app, category: match.category)
        s.applicationName = detector.applicationName(named)
        s.categoryName = detector.categoryName(named)
    }

    /// Reads the results into the state and releases the flow's nDPI state.
    private func finish(_ s: inout State, detector: NDPIDetector, guessed: Bool) {
        guard let handle = s.handle else { return }
        let d = s.detection
        let detection = NDPIDetector.Detection(master: d.master, app: d.app, category: d.category)
        s.applicationName = detector.applicationName(detection)
        s.categoryName = detector.categoryName(detection)
        s.isGuessed = guessed
        s.confidence = detector.confidence(handle)
        let m = detector.metadata(handle, detection: detection)
        s.requestedServerName = m.serverName
        if m.isQUIC {
            if s.quicHello.sawOnlyGreasedInitials {
                // nDPI 4.2 reads a server name from Initials of a greased version; 5.0 (NFStream) does not open them.
                s.requestedServerName = ""
            } else if m.serverName.isEmpty && !s.quicHello.serverName.isEmpty {
                // nDPI 4.2 reads the SNI only from a hello in one Initial; 5.0 reassembles it, as we do.
                s.requestedServerName = s.quicHello.serverName
                nameFromAssembledServerName(&s, detector: detector)
            }
        }
        // nDPI 4.2 names no host for SSDP; 5.0 takes the first message's Host header.
        if m.isSSDP { s.requestedServerName = s.ssdpHost ?? "" }
        s.serverFingerprint = m.sshServer.isEmpty ? m.tlsServer : m.sshServer
        if !m.dhcpFingerprint.isEmpty {
            s.clientFingerprint = m.dhcpFingerprint
        } else if !m.sshClient.isEmpty {
            s.clientFingerprint = m.sshClient
        } else if m.isTLSLike || m.mayUpgradeToTLS {
            // Also for mail after STARTTLS, which nDPI 4.2 leaves as POP3/SMTP/IMAP and 5.0 follows.
            s.clientFingerprint = ApplicationPlugin.ja4(
                s.ja4, serverName: s.requestedServerName)
        }
        s.helloMayFollow =
            m.mayUpgradeToTLS
            || (m.isTLSLike && s.ja4.isEmpty && s.quicHello.stage == 1)
        s.userAgent = m.userAgent
        s.contentType = m.contentType
        detector.release(handle)
        s.handle = nil
        s.stage = 2
    }
}
#endif
