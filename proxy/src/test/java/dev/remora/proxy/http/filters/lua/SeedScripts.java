package dev.remora.proxy.http.filters.lua;

/**
 * The scripts of the seed's "HTTP Lua Filter" section, unchanged, for the tests that run them through
 * the filter SPI and through the real proxy. The ones calling out reach cluster {@code ipapi_co}.
 */
final class SeedScripts {
  private SeedScripts() {
  }

  /** Adds {@code foo: bar} to the request and the response body's size to the response. */
  static final String HEADERS = """
      function envoy_on_request(request_handle)
        request_handle:headers():add("foo", "bar")
      end
      function envoy_on_response(response_handle)
        body_size = response_handle:body():length()
        response_handle:headers():add("response-body-size", tostring(body_size))
      end
      """;

  /** Calls {@code ipapi_co} on both paths and adds the continent code to each. */
  static final String BOTH = """
      function envoy_on_request(request_handle)
        local headers, body = request_handle:httpCall("ipapi_co",{
        [":method"] = "GET",
        [":path"] = "/continent_code",
        [":authority"] = "ipapi.co",
        },"",5000)
        request_handle:headers():add("continent_code", body)
      end
      function envoy_on_response(response_handle)
        local headers, body = response_handle:httpCall("ipapi_co",{
        [":method"] = "GET",
        [":path"] = "/continent_code",
        [":authority"] = "ipapi.co",
        },"",5000)
        response_handle:headers():add("continent_code", body)
      end
      """;

  /** Calls once on the request path and carries the code to the response in dynamic metadata. */
  static final String METADATA = """
      function envoy_on_request(request_handle)
        local headers, body = request_handle:httpCall("ipapi_co",{
        [":method"] = "GET",
        [":path"] = "/continent_code",
        [":authority"] = "ipapi.co",
        },"",5000)

        request_handle:streamInfo():dynamicMetadata():set("continentCode","continentCode", body)
        request_handle:headers():add("continent-code", body)
      end

      function envoy_on_response(response_handle)
        continent_code = response_handle:streamInfo():dynamicMetadata():get("continentCode")["continentCode"]
        response_handle:headers():add("continent-code", continent_code)
      end
      """;

  /** As {@link #METADATA}, but answers 403 "nope" itself when the code is EU. */
  static final String NOPE = """
      function envoy_on_request(request_handle)
        local headers, body = request_handle:httpCall("ipapi_co",{
        [":method"] = "GET",
        [":path"] = "/continent_code",
        [":authority"] = "ipapi.co",
        },"",5000)


        if body == "EU" then
          request_handle:respond({[":status"] = "403",},"nope")
        end

        request_handle:streamInfo():dynamicMetadata():set("continentCode","continentCode", body)
        request_handle:headers():add("continent-code", body)
      end

      function envoy_on_response(response_handle)
        continent_code = response_handle:streamInfo():dynamicMetadata():get("continentCode")["continentCode"]
        response_handle:headers():add("continent-code", continent_code)
      end
      """;
}
