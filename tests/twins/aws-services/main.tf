# The Terraform twin of __main__.py: the same resources, the same names, the same settings.

resource "aws_eks_cluster" "cluster_world" {
  name     = "world"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids              = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    endpoint_public_access  = true
    endpoint_private_access = true
    public_access_cidrs     = ["0.0.0.0/0"]
  }
  encryption_config {
    provider {
      key_arn = "arn:aws:kms:us-east-1:123456789012:key/0f4e6f1c-3c3e-4a4e-9d3b-6b4c1d2e3f40"
    }
    resources = ["secrets"]
  }
}

resource "aws_eks_cluster" "cluster_office" {
  name     = "office"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids              = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    endpoint_public_access  = true
    endpoint_private_access = true
    public_access_cidrs     = ["198.51.100.0/24"]
  }
  encryption_config {
    provider {
      key_arn = "arn:aws:kms:us-east-1:123456789012:key/0f4e6f1c-3c3e-4a4e-9d3b-6b4c1d2e3f40"
    }
    resources = ["secrets"]
  }
}

resource "aws_eks_cluster" "cluster_plain_secrets" {
  name     = "plain"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids              = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    endpoint_public_access  = false
    endpoint_private_access = true
  }
}

resource "aws_lb" "web" {
  name               = "web"
  load_balancer_type = "application"
  subnets            = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
}

resource "aws_lb_listener" "web_http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/50dc6c495c0c9188"
  }
}

resource "aws_kms_key" "key_unrotated" {
  description         = "application data"
  enable_key_rotation = false
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_key" "key_unprotected" {
  description         = "logs"
  enable_key_rotation = true
}
