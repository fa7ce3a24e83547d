package io.averon.ps.transport;

import io.aeron.Publication;
import org.agrona.collections.Object2IntHashMap;

/**
 * The receivers of a manual multi-destination-cast publication, reference counted by endpoint
 * ({@code host:port}): the publication sends to an endpoint from its first {@link #retain} until
 * its last {@link #release}. The media driver is told asynchronously, never waited for. Owned by
 * one thread.
 */
public final class Destinations {

    private final Publication publication;
    private final Object2IntHashMap<String> references = new Object2IntHashMap<>(0);

    public Destinations(Publication publication) {
        this.publication = publication;
    }

    public void retain(String endpoint) {
        int count = references.getValue(endpoint);
        if (count == 0) {
            publication.asyncAddDestination(Channels.destination(endpoint));
        }
        references.put(endpoint, count + 1);
    }

    public void release(String endpoint) {
        int count = references.getValue(endpoint);
        if (count > 1) {
            references.put(endpoint, count - 1);
        } else if (count == 1) {
            references.removeKey(endpoint);
            publication.asyncRemoveDestination(Channels.destination(endpoint));
        }
    }

    /** Endpoints sent to now. */
    public int count() {
        return references.size();
    }
}
