package io.averon.ps.transport;

import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;

/**
 * Passes on only messages that arrived as one Aeron frame and counts the fragments of anything
 * larger, which it drops. Every protocol message fits one frame (PROTOCOL.md), so nothing is ever
 * reassembled or buffered for a sender before its MAC is checked: unlike Aeron's
 * {@code FragmentAssembler}, this keeps no state per session.
 */
public final class SingleFrameHandler implements FragmentHandler {

    private final FragmentHandler delegate;
    private final Runnable onDropped;

    /** @param onDropped called (on the polling thread) for each fragment dropped, e.g. to count it */
    public SingleFrameHandler(FragmentHandler delegate, Runnable onDropped) {
        this.delegate = delegate;
        this.onDropped = onDropped;
    }

    @Override
    public void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        if ((header.flags() & FrameDescriptor.UNFRAGMENTED) == FrameDescriptor.UNFRAGMENTED) {
            delegate.onFragment(buffer, offset, length, header);
        } else {
            onDropped.run();
        }
    }
}
