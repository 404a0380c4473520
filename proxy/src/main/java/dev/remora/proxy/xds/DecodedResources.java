package dev.remora.proxy.xds;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages of the last state-of-the-world response of one type, by their encoded bytes. SotW
 * resends every resource on each change of any of them (500 clusters for one changed cluster): a
 * resource whose bytes are the same as last time is not parsed again, and the applier gets the very
 * instance it holds, so its "unchanged?" comparison ends at the identity check. Envoy compares
 * resource hashes for the same reason. Used on the xDS thread only.
 */
final class DecodedResources {
  private Map<ByteString, Message> last = new HashMap<>();
  private Map<ByteString, Message> next = new HashMap<>();

  /** Unpacks one resource of a response, reusing last response's message when the bytes are equal. */
  Message decode(ResourceType type, Any any) throws InvalidProtocolBufferException {
    if (!any.getTypeUrl().equals(type.typeUrl())) {
      return AdsClient.unpack(type, any);  // refuses it with the reason
    }
    ByteString bytes = any.getValue();
    Message message = last.get(bytes);
    if (message == null) {
      message = AdsClient.unpack(type, any);
    }
    next.put(bytes, message);
    return message;
  }

  /** Ends a response: what it decoded is what the next one is compared with. */
  void endResponse() {
    Map<ByteString, Message> done = last;
    last = next;
    done.clear();
    next = done;
  }

  /** Decodes a whole response (the phase benchmark); the resources must all be of {@code type}. */
  List<Message> decode(ResourceType type, List<Any> resources) throws InvalidProtocolBufferException {
    List<Message> out = new ArrayList<>(resources.size());
    for (Any any : resources) {
      out.add(decode(type, any));
    }
    endResponse();
    return out;
  }

  /** How many messages the last response left for reuse (tests). */
  int size() {
    return last.size();
  }
}
