import FlowMeter
import FlowPacket

#if NDPI
/// `ApplicationPlugin`'s store: one per meter, owning that meter's nDPI detection module.
final class ApplicationStore: TypedPluginStore<ApplicationPlugin> {
    let detector: NDPIDetector

    override init(plugin: ApplicationPlugin) {
        do {
            detector = try NDPIDetector.acquire()
        } catch {
            fatalError("\(error)")  // ApplicationPlugin.init already created one successfully
        }
        super.init(plugin: plugin)
    }

    deinit {
        for i in 0..<capacity {
            if let handle = states[i].handle { detector.release(handle) }
        }
        NDPIDetector.recycle(detector)
    }

    /// nDPI flow states in use (0 when every flow has finished detection).
    var liveFlows: Int { detector.liveFlows }

    override func start(slot: Int32, flow: UnsafePointer<Flow>, packet: UnsafePointer<PacketContext>) -> PluginAction {
        let s = states + Int(slot)
        if let handle = s.pointee.handle { detector.release(handle) }  // not expected: expiry releases it
        plugin.reset(&s.pointee)
        s.pointee.handle = detector.makeFlow()
        dissect(s, flow: flow, packet: packet)
        return .keep
    }

    override func observe(slot: Int32, flow: UnsafePointer<Flow>, packet: UnsafePointer<PacketContext>) -> PluginAction
    {
        let s = states + Int(slot)
        guard flow.pointee.packets <= UInt64(plugin.dissections) else { return .keep }
        if s.pointee.stage < 2 {
            dissect(s, flow: flow, packet: packet)
        } else if s.pointee.helloMayFollow && s.pointee.ja4.isEmpty
            && (s.pointee.hello.isCollecting || s.pointee.quicHello.isCollecting)
        {
            // nDPI is done, but a STARTTLS hello, or the rest of a QUIC hello, may still come in the window.
            collectHello(s, packet: packet)
            if !s.pointee.ja4.isEmpty {
                if s.pointee.requestedServerName.isEmpty && !s.pointee.quicHello.serverName.isEmpty {
                    s.pointee.requestedServerName = s.pointee.quicHello.serverName
                    nameFromAssembledServerName(s)
                }
                s.pointee.clientFingerprint = ApplicationPlugin.ja4(
                    s.pointee.ja4, serverName: s.pointee.requestedServerName)
            }
        }
        return .keep
    }

    override func expire(slot: Int32, flow: UnsafePointer<Flow>) {
        let s = states + Int(slot)
        if s.pointee.stage == 0 {
            giveUp(s)
        } else if s.pointee.stage == 1 {
            finish(s, guessed: false)
        }
    }

    override func write<Sink: FlowFieldSink>(slot: Int32, flow: UnsafePointer<Flow>, to sink: inout Sink) {
        plugin.write(states[Int(slot)], flow: flow.pointee, to: &sink)
    }

    private func dissect(
        _ s: UnsafeMutablePointer<ApplicationPlugin.State>, flow: UnsafePointer<Flow>,
        packet: UnsafePointer<PacketContext>
    ) {
        guard let handle = s.pointee.handle else { return }
        let p = packet.pointee
        collectHello(s, packet: packet)
        // nDPI names a flow SSDP from its first UDP payload (any other payload excludes SSDP), so only that one is read.
        if p.packet.ipProtocol == 17 && s.pointee.ssdpHost == nil && p.packet.payloadSize > 0 {
            s.pointee.ssdpHost = SSDPHost.host(in: p.payload) ?? ""
        }
        let d = detector.process(
            handle, ipPacket: p.ipPacket, timeMilliseconds: plugin.timeUnit.milliseconds(p.packet.time))
        if d.app != 0 {
            s.pointee.detection = ApplicationPlugin.Detection(master: d.master, app: d.app, category: d.category)
            if s.pointee.stage == 0 { s.pointee.stage = 1 }
            if !detector.wantsMorePackets(handle) || flow.pointee.packets >= UInt64(plugin.dissections) {
                finish(s, guessed: false)
            }
        } else if flow.pointee.packets >= UInt64(plugin.dissections) {
            if s.pointee.stage == 0 { giveUp(s) } else { finish(s, guessed: false) }
        }
    }

    /// Feeds a client packet to the ClientHello assembler (TCP), or to the QUIC Initial reader and the DTLS hello
    /// parser (UDP).
    @inline(__always)
    private func collectHello(_ s: UnsafeMutablePointer<ApplicationPlugin.State>, packet: UnsafePointer<PacketContext>)
    {
        let p = packet.pointee
        guard p.direction == 0 && p.packet.payloadSize > 0 else { return }
        if p.packet.ipProtocol == 6 && s.pointee.hello.isCollecting, let sequence = ApplicationPlugin.tcpSequence(p) {
            if let ja4 = s.pointee.hello.add(segment: p.payload, sequence: sequence) { s.pointee.ja4 = ja4 }
        } else if p.packet.ipProtocol == 17 && s.pointee.ja4.isEmpty {
            if s.pointee.quicHello.isCollecting, let ja4 = s.pointee.quicHello.add(datagram: p.payload) {
                s.pointee.ja4 = ja4
            } else if p.packet.payloadSize > 25, let ja4 = JA4.fingerprint(dtlsDatagram: p.payload) {
                s.pointee.ja4 = ja4
            }
        }
    }

    private func giveUp(_ s: UnsafeMutablePointer<ApplicationPlugin.State>) {
        guard let handle = s.pointee.handle else { return }
        let (d, guessed) = detector.giveUp(handle)
        s.pointee.detection = ApplicationPlugin.Detection(master: d.master, app: d.app, category: d.category)
        finish(s, guessed: guessed)
    }

    /// A QUIC flow nDPI left as plain `QUIC` because it could not read the server name (a hello spread over
    /// several Initials), whose name flowmeter assembled: named from nDPI's host list as nDPI names a server name
    /// it read itself (`QUIC.YouTube`, category Media), which is what nDPI 5.0, reassembling the hello, reports.
    private func nameFromAssembledServerName(_ s: UnsafeMutablePointer<ApplicationPlugin.State>) {
        let d = s.pointee.detection
        let quic = UInt16(NDPIDetector.ProtocolID.quic)
        guard d.app == quic && (d.master == 0 || d.master == quic),
            let match = detector.hostMatch(s.pointee.requestedServerName), match.app != quic
        else { return }
        s.pointee.detection = ApplicationPlugin.Detection(master: quic, app: match.app, category: match.category)
        let named = NDPIDetector.Detection(master: quic, app: match.app, category: match.category)
        s.pointee.applicationName = detector.applicationName(named)
        s.pointee.categoryName = detector.categoryName(named)
    }

    /// Reads the results into the state and releases the flow's nDPI state.
    private func finish(_ s: UnsafeMutablePointer<ApplicationPlugin.State>, guessed: Bool) {
        guard let handle = s.pointee.handle else { return }
        let d = s.pointee.detection
        let detection = NDPIDetector.Detection(master: d.master, app: d.app, category: d.category)
        s.pointee.applicationName = detector.applicationName(detection)
        s.pointee.categoryName = detector.categoryName(detection)
        s.pointee.isGuessed = guessed
        s.pointee.confidence = detector.confidence(handle)
        let m = detector.metadata(handle, detection: detection)
        s.pointee.requestedServerName = m.serverName
        if m.isQUIC {
            if s.pointee.quicHello.sawOnlyGreasedInitials {
                // nDPI 4.2 reads a server name from Initials of a greased version; 5.0 (NFStream) does not open them.
                s.pointee.requestedServerName = ""
            } else if m.serverName.isEmpty && !s.pointee.quicHello.serverName.isEmpty {
                // nDPI 4.2 reads the SNI only from a hello in one Initial; 5.0 reassembles it, as we do.
                s.pointee.requestedServerName = s.pointee.quicHello.serverName
                nameFromAssembledServerName(s)
            }
        }
        // nDPI 4.2 names no host for SSDP; 5.0 takes the first message's Host header.
        if m.isSSDP { s.pointee.requestedServerName = s.pointee.ssdpHost ?? "" }
        s.pointee.serverFingerprint = m.sshServer.isEmpty ? m.tlsServer : m.sshServer
        if !m.dhcpFingerprint.isEmpty {
            s.pointee.clientFingerprint = m.dhcpFingerprint
        } else if !m.sshClient.isEmpty {
            s.pointee.clientFingerprint = m.sshClient
        } else if m.isTLSLike || m.mayUpgradeToTLS {
            // Also for mail after STARTTLS, which nDPI 4.2 leaves as POP3/SMTP/IMAP and 5.0 follows.
            s.pointee.clientFingerprint = ApplicationPlugin.ja4(
                s.pointee.ja4, serverName: s.pointee.requestedServerName)
        }
        s.pointee.helloMayFollow =
            m.mayUpgradeToTLS
            || (m.isTLSLike && s.pointee.ja4.isEmpty && s.pointee.quicHello.stage == 1)
        s.pointee.userAgent = m.userAgent
        s.pointee.contentType = m.contentType
        detector.release(handle)
        s.pointee.handle = nil
        s.pointee.stage = 2
    }
}
#endif
