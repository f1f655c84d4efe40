<?php
/**
 * Replays the HTTP requests that WordPress's Akismet plugin (5.x) makes, through WordPress's HTTP API entry points
 * and with the mu-plugin loaded, against a real moderation server.
 *
 * Only what the requests go through is stood in for: the filter API (add_filter / apply_filters),
 * wp_remote_request / wp_remote_post / wp_remote_get (which run the pre_http_request filter first, as
 * WP_Http::request does, then send the request with PHP's own HTTP stream), wp_parse_url, add_query_arg and the
 * plugin's query building. The requests are formed as the plugin forms them: a form-encoded body built from the
 * request arguments with PHP's http_build_query (RFC 1738 encoding, nested arrays as name[0]=...), the stored key
 * appended as api_key with add_query_arg, headers Content-Type (with the blog's charset), Host: rest.akismet.com
 * and User-Agent "WordPress/x | Akismet/y", HTTP/1.0, to https://rest.akismet.com/1.1/<path> (or to a server's IP
 * address with that Host header, as the plugin's connectivity check does).
 *
 * Usage: php replay.php < calls.json > answers.json
 *   calls.json: {"wp_version": "6.7.1", "akismet_version": "5.4", "blog_charset": "UTF-8",
 *                "calls": [{"path": "comment-check", "args": {...}, "api_key": "...", "ip": null, "method": "POST"}]}
 *   answers.json: [{"url": ..., "code": 200, "headers": {lowercased}, "body": "..."}, ..., {"sent": [URLs on the wire]}]
 * The moderation server's address comes from $MODERATION_AKISMET_URL, read by the mu-plugin.
 */

define( 'ABSPATH', __DIR__ . '/' );

$GLOBALS['replay_filters'] = array();

class WP_Error {
	public $message;
	public function __construct( $code = '', $message = '' ) {
		$this->message = $message;
	}
}

function is_wp_error( $thing ) {
	return $thing instanceof WP_Error;
}

function add_filter( $tag, $callback, $priority = 10, $accepted_args = 1 ) {
	$GLOBALS['replay_filters'][ $tag ][ $priority ][] = array( $callback, $accepted_args );
	return true;
}

function apply_filters( $tag, $value, ...$args ) {
	if ( empty( $GLOBALS['replay_filters'][ $tag ] ) ) {
		return $value;
	}
	$by_priority = $GLOBALS['replay_filters'][ $tag ];
	ksort( $by_priority );
	foreach ( $by_priority as $callbacks ) {
		foreach ( $callbacks as $entry ) {
			list( $callback, $accepted ) = $entry;
			$value = call_user_func_array( $callback, array_slice( array_merge( array( $value ), $args ), 0, $accepted ) );
		}
	}
	return $value;
}

function wp_parse_url( $url, $component = -1 ) {
	return parse_url( $url, $component );
}

/** WordPress's add_query_arg on a bare query string: the existing pairs re-encoded, the new one appended raw. */
function add_query_arg( $key, $value, $query ) {
	parse_str( $query, $pairs );
	array_walk_recursive( $pairs, function ( &$v ) { $v = urlencode( $v ); } );
	$pairs[ $key ] = $value;
	$parts = array();
	foreach ( $pairs as $k => $v ) {
		if ( is_array( $v ) ) {
			foreach ( $v as $i => $item ) {
				$parts[] = urlencode( $k ) . '%5B' . $i . '%5D=' . $item;
			}
		} elseif ( false !== $v ) {
			$parts[] = $k . '=' . $v;
		}
	}
	return implode( '&', $parts );
}

function replay_send( $url, $args ) {
	$method  = isset( $args['method'] ) ? $args['method'] : 'GET';
	$lines   = array();
	foreach ( isset( $args['headers'] ) ? $args['headers'] : array() as $name => $value ) {
		$lines[] = $name . ': ' . $value;
	}
	$context = stream_context_create(
		array(
			'http' => array(
				'method'           => $method,
				'header'           => implode( "\r\n", $lines ),
				'content'          => isset( $args['body'] ) ? $args['body'] : '',
				'protocol_version' => isset( $args['httpversion'] ) ? (float) $args['httpversion'] : 1.0,
				'timeout'          => isset( $args['timeout'] ) ? $args['timeout'] : 5,
				'ignore_errors'    => true,
				'follow_location'  => 0,
			),
		)
	);
	$body = @file_get_contents( $url, false, $context );
	if ( false === $body ) {
		return new WP_Error( 'http_request_failed', 'could not connect to ' . $url );
	}
	$headers = array();
	$code    = 0;
	foreach ( $http_response_header as $line ) {
		if ( preg_match( '#^HTTP/\S+\s+(\d+)#', $line, $m ) ) {
			$code    = (int) $m[1];
			$headers = array();
		} elseif ( false !== strpos( $line, ':' ) ) {
			list( $name, $value )              = explode( ':', $line, 2 );
			$headers[ strtolower( $name ) ] = trim( $value );
		}
	}
	return array( 'headers' => $headers, 'body' => $body, 'response' => array( 'code' => $code ) );
}

function wp_remote_request( $url, $args = array() ) {
	$args = array_merge( array( 'method' => 'GET', 'headers' => array(), 'body' => null, 'httpversion' => '1.0', 'timeout' => 5 ), $args );
	$pre  = apply_filters( 'pre_http_request', false, $args, $url );
	if ( false !== $pre ) {
		return $pre;
	}
	$GLOBALS['replay_sent'][] = $url;
	return replay_send( $url, $args );
}

function wp_remote_post( $url, $args = array() ) {
	return wp_remote_request( $url, array_merge( $args, array( 'method' => 'POST' ) ) );
}

function wp_remote_get( $url, $args = array() ) {
	return wp_remote_request( $url, array_merge( $args, array( 'method' => 'GET' ) ) );
}

/** A call as the Akismet plugin makes it (see the file comment). */
function replay_akismet_call( $call, $versions ) {
	$path = $call['path'];
	if ( isset( $call['method'] ) && 'GET' === $call['method'] ) {
		return array( "https://rest.akismet.com/1.1/{$path}", wp_remote_get( "https://rest.akismet.com/1.1/{$path}" ) );
	}
	$body = http_build_query( isset( $call['args'] ) ? $call['args'] : array(), '', '&' );
	if ( ! empty( $call['api_key'] ) ) {
		$body = add_query_arg( 'api_key', $call['api_key'], $body );
	}
	$host = ! empty( $call['ip'] ) ? $call['ip'] : 'rest.akismet.com';
	$url  = "https://{$host}/1.1/{$path}";
	$args = array(
		'body'        => $body,
		'headers'     => array(
			'Content-Type' => 'application/x-www-form-urlencoded; charset=' . $versions['blog_charset'],
			'Host'         => 'rest.akismet.com',
			'User-Agent'   => sprintf( 'WordPress/%s | Akismet/%s', $versions['wp_version'], $versions['akismet_version'] ),
		),
		'httpversion' => '1.0',
		'timeout'     => 15,
	);
	return array( $url, wp_remote_post( $url, $args ) );
}

require dirname( __DIR__, 2 ) . '/integrations/wordpress/moderation-akismet.php';

$input   = json_decode( stream_get_contents( STDIN ), true );
$answers = array();
foreach ( $input['calls'] as $call ) {
	list( $url, $response ) = replay_akismet_call( $call, $input );
	if ( is_wp_error( $response ) ) {
		$answers[] = array( 'url' => $url, 'error' => $response->message );
		continue;
	}
	$answers[] = array(
		'url'     => $url,
		'code'    => $response['response']['code'],
		'headers' => $response['headers'],
		'body'    => $response['body'],
	);
}
$answers[] = array( 'sent' => isset( $GLOBALS['replay_sent'] ) ? $GLOBALS['replay_sent'] : array() );
echo json_encode( $answers, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ), "\n";
