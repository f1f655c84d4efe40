<?php
/**
 * Plugin Name: Moderation server for Akismet
 * Description: Sends the Akismet plugin's API calls to a self-hosted moderation server instead of rest.akismet.com.
 * Version: 1.0.0
 * License: Apache-2.0
 *
 * Install: copy this file to wp-content/mu-plugins/ and set the server's address in wp-config.php:
 *
 *     define( 'MODERATION_AKISMET_URL', 'https://moderation.example.com' );
 *
 * Then enter a 12-character key made with `moderation keys create --site https://your-site --short` in
 * Settings > Akismet (the plugin refuses keys of any other length).
 *
 * How: the Akismet plugin talks to its service through WordPress's HTTP API. The `pre_http_request` filter sees
 * every request before it leaves; requests for rest.akismet.com (by URL, by the Host header the plugin sets when
 * it tries a server by IP address, or KEY.rest.akismet.com) are sent to the same path on the moderation server,
 * with the same method, body and headers, and its answer is returned to the plugin as if Akismet had given it.
 * Any other request is left alone. Without MODERATION_AKISMET_URL this plugin does nothing.
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const MODERATION_AKISMET_HOST = 'rest.akismet.com';

/**
 * The moderation server's base URL (no trailing slash), or '' when none is configured.
 *
 * @return string
 */
function moderation_akismet_base_url() {
	$base = defined( 'MODERATION_AKISMET_URL' ) ? (string) MODERATION_AKISMET_URL : (string) getenv( 'MODERATION_AKISMET_URL' );
	return rtrim( trim( $base ), '/' );
}

/**
 * Whether a request is meant for Akismet's API.
 *
 * @param string $url  The request URL.
 * @param array  $args The request arguments (its headers may name the host when the URL holds an IP address).
 * @return bool
 */
function moderation_akismet_is_akismet_request( $url, $args ) {
	$host = strtolower( (string) wp_parse_url( $url, PHP_URL_HOST ) );
	if ( MODERATION_AKISMET_HOST === $host || substr( $host, -strlen( '.' . MODERATION_AKISMET_HOST ) ) === '.' . MODERATION_AKISMET_HOST ) {
		return true;
	}
	$headers = isset( $args['headers'] ) && is_array( $args['headers'] ) ? $args['headers'] : array();
	foreach ( $headers as $name => $value ) {
		if ( 'host' === strtolower( (string) $name ) && MODERATION_AKISMET_HOST === strtolower( trim( (string) $value ) ) ) {
			return true;
		}
	}
	return false;
}

/**
 * The moderation server's URL for an Akismet URL: same path and query, the key of KEY.rest.akismet.com kept.
 *
 * @param string $url  The Akismet URL.
 * @param string $base The moderation server's base URL.
 * @return string
 */
function moderation_akismet_rewrite_url( $url, $base ) {
	$parts  = wp_parse_url( $url );
	$path   = isset( $parts['path'] ) ? $parts['path'] : '/';
	$query  = isset( $parts['query'] ) ? $parts['query'] : '';
	$host   = isset( $parts['host'] ) ? strtolower( $parts['host'] ) : '';
	$suffix = '.' . MODERATION_AKISMET_HOST;
	if ( substr( $host, -strlen( $suffix ) ) === $suffix ) {
		// Akismet 1.1's key-in-hostname form: the key travels as a parameter instead.
		$key   = substr( $host, 0, -strlen( $suffix ) );
		$query = ( '' === $query ? '' : $query . '&' ) . 'api_key=' . rawurlencode( $key );
	}
	return $base . $path . ( '' === $query ? '' : '?' . $query );
}

/**
 * The `pre_http_request` filter: answers Akismet's requests from the moderation server.
 *
 * @param false|array|WP_Error $preempt A response another filter already gave, or false.
 * @param array                $args    The request arguments.
 * @param string               $url     The request URL.
 * @return false|array|WP_Error
 */
function moderation_akismet_pre_http_request( $preempt, $args, $url ) {
	if ( false !== $preempt ) {
		return $preempt;
	}
	$base = moderation_akismet_base_url();
	if ( '' === $base || ! moderation_akismet_is_akismet_request( $url, $args ) ) {
		return $preempt;
	}
	$headers = isset( $args['headers'] ) && is_array( $args['headers'] ) ? $args['headers'] : array();
	foreach ( array_keys( $headers ) as $name ) {
		if ( 'host' === strtolower( (string) $name ) ) {
			unset( $headers[ $name ] ); // The moderation server's own host goes on the wire.
		}
	}
	$args['headers'] = $headers;
	return wp_remote_request( moderation_akismet_rewrite_url( $url, $base ), $args );
}

add_filter( 'pre_http_request', 'moderation_akismet_pre_http_request', 10, 3 );
