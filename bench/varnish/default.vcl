vcl 4.1;

# Varnish in front of the BCSP site (bench/varnish/purge_check.py runs it against gunicorn).
#
# The site decides what may be shared: public pages come with
# "Cache-Control: public, max-age=60, s-maxage=…" and no Vary on cookies; everything else is
# private (or sets a cookie) and Varnish's built-in rules pass it through.
#
# Purging: with VARNISH_URL set, the site sends "PURGE <path>" with the page's Host for
# every address a change shows on. Each purge bans every cached copy of that path on that
# host, whatever its query string (?page=2 of a listing included).

backend default {
    .host = "127.0.0.1";
    .port = "8000";
}

# Who may purge: the site's own servers.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "Purging is not allowed from here"));
        }
        ban("obj.http.x-cache-host == " + req.http.host +
            " && obj.http.x-cache-path == " + regsub(req.url, "\?.*$", ""));
        return (synth(200, "Purged"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/admin/") {
        return (pass);
    }
    # Signed-in editors and visitors with a message waiting get pages of their own.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=") {
        return (pass);
    }
    # No other cookie changes a public page (the site never reads one there).
    unset req.http.Cookie;
    return (hash);
}

sub vcl_pass {
    set req.http.x-cache-passed = "1";
}

sub vcl_backend_response {
    # Remembered with the object so that bans can find it (and the ban lurker can work).
    set beresp.http.x-cache-host = bereq.http.host;
    set beresp.http.x-cache-path = regsub(bereq.url, "\?.*$", "");
}

sub vcl_deliver {
    unset resp.http.x-cache-host;
    unset resp.http.x-cache-path;
    if (req.http.x-cache-passed) {
        set resp.http.X-Varnish-Cache = "pass";
    } elsif (obj.hits > 0) {
        set resp.http.X-Varnish-Cache = "hit";
    } else {
        set resp.http.X-Varnish-Cache = "miss";
    }
}
