# The Terraform twin of __main__.py: the same resources, the same names, the same settings.

resource "aws_launch_template" "template_imdsv1" {
  image_id      = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "optional"
  }
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      encrypted = "true"
    }
  }
}

resource "aws_launch_template" "template_hops" {
  image_id      = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 3
  }
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      encrypted = "true"
    }
  }
}

resource "aws_launch_template" "template_public" {
  image_id      = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }
  network_interfaces {
    associate_public_ip_address = "true"
  }
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      encrypted = "true"
    }
  }
}

resource "aws_launch_configuration" "config_unencrypted" {
  image_id      = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }
  root_block_device {
    encrypted = false
  }
}

resource "aws_ebs_volume" "volume_unencrypted" {
  availability_zone = "us-east-1a"
  size              = 20
  encrypted         = false
}

resource "aws_instance" "instance_imdsv1" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "optional"
  }
  root_block_device {
    encrypted = true
  }
}

resource "aws_instance" "instance_secret_user_data" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  user_data     = <<-EOT
    #!/bin/sh
    export AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH
    export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY
    aws s3 sync s3://site /var/www
  EOT
  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }
  root_block_device {
    encrypted = true
  }
}

resource "aws_lambda_function" "function_secret_environment" {
  function_name = "resize"
  role          = "arn:aws:iam::123456789012:role/lambda"
  handler       = "index.handler"
  runtime       = "python3.12"
  filename      = "function.zip"
  environment {
    variables = {
      AWS_ACCESS_KEY_ID     = "AKIAQWERTYUIOPASDFGH"
      AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
    }
  }
}
