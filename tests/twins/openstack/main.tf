# The Terraform twin of __main__.py: the same resources, the same names, the same settings.

resource "openstack_networking_secgroup_rule_v2" "rule_ssh" {
  direction         = "ingress"
  ethertype         = "IPv4"
  protocol          = "tcp"
  port_range_min    = 22
  port_range_max    = 22
  remote_ip_prefix  = "0.0.0.0/0"
  security_group_id = "b1a88262-2257-497f-aede-4f84068cb614"
}

resource "openstack_networking_secgroup_rule_v2" "rule_rdp" {
  direction         = "ingress"
  ethertype         = "IPv4"
  protocol          = "tcp"
  port_range_min    = 3389
  port_range_max    = 3389
  remote_ip_prefix  = "0.0.0.0/0"
  security_group_id = "b1a88262-2257-497f-aede-4f84068cb614"
}

resource "openstack_networking_secgroup_rule_v2" "rule_https" {
  direction         = "ingress"
  ethertype         = "IPv4"
  protocol          = "tcp"
  port_range_min    = 443
  port_range_max    = 443
  remote_ip_prefix  = "0.0.0.0/0"
  security_group_id = "b1a88262-2257-497f-aede-4f84068cb614"
}

resource "openstack_compute_instance_v2" "server_admin_pass" {
  name        = "web"
  image_name  = "debian-12"
  flavor_name = "m1.small"
  admin_pass  = "N0t-a-Secret-1"
}
