"""gunicorn's settings for the site: `gunicorn -c bcsp_site/gunicorn.conf.py bcsp_site.wsgi`.

Only what a client sends is at stake here; workers, timeouts and the address stay on the
command line. gunicorn maps a request header with an underscore onto the WSGI environment,
and takes ``SCRIPT_NAME`` and ``PATH_INFO`` headers from any address in
``forwarded_allow_ips`` (loopback by default) as the script prefix and path: every link of
the page would then carry the prefix, for whoever gets the copy kept of it. The site's
prefix is its ``FORCE_SCRIPT_NAME`` setting, and whether a request came over HTTPS is
Django's ``SECURE_PROXY_SSL_HEADER``, so none of these is taken from a request.
"""

# Drop header names with an underscore ("SCRIPT_NAME", "X_Forwarded_For") rather than map
# them: RFC 9110 allows them, but in the environment they would pass for others.
header_map = "drop"
# No header may set an environment variable, from any address.
forwarder_headers = ""
# The scheme is Django's to decide (SECURE_PROXY_SSL_HEADER, for the proxy the site trusts).
secure_scheme_headers = {}
# No control socket: its default path ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl) is one
# for every gunicorn of the user, so several servers on one machine (the cluster test, the
# benchmarks) would take it from each other, and nothing here uses gunicornc.
control_socket_disable = True
